import type { KubeApi } from './kube/api.ts';
import { paths } from './kube/objects.ts';

interface ReplicaSetObject {
  metadata?: { ownerReferences?: { uid?: string; kind?: string }[] };
}

/** ReplicaSets per owning Deployment uid (the real deployment controller makes one per rollout). */
export async function replicaSetsByOwner(api: KubeApi, namespace?: string): Promise<Map<string, number>> {
  const { items } = await api.listAll<ReplicaSetObject>(paths.replicaSets(namespace));
  const counts = new Map<string, number>();
  for (const rs of items) {
    const owner = rs.metadata?.ownerReferences?.find((ref) => ref.kind === 'Deployment')?.uid;
    if (owner) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

/** How many objects a collection holds, from one LIST of one item (remainingItemCount). */
export async function countObjects(api: KubeApi, collectionPath: string): Promise<number> {
  const page = await api.get<{ items?: unknown[]; metadata?: { remainingItemCount?: number } }>(`${collectionPath}?limit=1`);
  return (page.items?.length ?? 0) + (page.metadata?.remainingItemCount ?? 0);
}
