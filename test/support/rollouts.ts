import { AppsV1Api, type KubeConfig, type V1ReplicaSet } from '@kubernetes/client-node';
import { adminKubeConfig } from './cluster.ts';
import { settle, waitFor, type SettleOptions } from './wait.ts';

/** The deployment controller's per-ReplicaSet (and per-Deployment) revision annotation. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

function apps(kubeConfig?: KubeConfig): AppsV1Api {
  return (kubeConfig ?? adminKubeConfig()).makeApiClient(AppsV1Api);
}

/** ReplicaSets owned by the Deployment (by ownerReference uid, not by name or labels), oldest revision first. */
export async function replicaSetsOf(namespace: string, deploymentName: string, kubeConfig?: KubeConfig): Promise<V1ReplicaSet[]> {
  const api = apps(kubeConfig);
  const deployment = await api.readNamespacedDeployment({ namespace, name: deploymentName });
  const uid = deployment.metadata?.uid;
  const list = await api.listNamespacedReplicaSet({ namespace });
  return list.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((ref) => ref.uid === uid))
    .sort((a, b) => Number(a.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0) - Number(b.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0));
}

export async function countReplicaSets(namespace: string, deploymentName: string, kubeConfig?: KubeConfig): Promise<number> {
  return (await replicaSetsOf(namespace, deploymentName, kubeConfig)).length;
}

export type RevisionedKind = 'StatefulSet' | 'DaemonSet';

/** ControllerRevisions owned by the StatefulSet or DaemonSet: one per distinct pod template. */
export async function countControllerRevisions(
  namespace: string,
  kind: RevisionedKind,
  name: string,
  kubeConfig?: KubeConfig,
): Promise<number> {
  const api = apps(kubeConfig);
  const owner =
    kind === 'StatefulSet'
      ? await api.readNamespacedStatefulSet({ namespace, name })
      : await api.readNamespacedDaemonSet({ namespace, name });
  const uid = owner.metadata?.uid;
  const list = await api.listNamespacedControllerRevision({ namespace });
  return list.items.filter((rev) => rev.metadata?.ownerReferences?.some((ref) => ref.kind === kind && ref.uid === uid)).length;
}

/** The ReplicaSet count once it has stopped changing for `stableForMs` (default 3s). */
export function settledReplicaSetCount(
  namespace: string,
  deploymentName: string,
  opts: Partial<SettleOptions> & { kubeConfig?: KubeConfig } = {},
): Promise<number> {
  return settle(() => countReplicaSets(namespace, deploymentName, opts.kubeConfig), {
    description: `the ReplicaSet count of Deployment ${namespace}/${deploymentName}`,
    ...opts,
  });
}

/** The ControllerRevision count once it has stopped changing for `stableForMs` (default 3s). */
export function settledControllerRevisionCount(
  namespace: string,
  kind: RevisionedKind,
  name: string,
  opts: Partial<SettleOptions> & { kubeConfig?: KubeConfig } = {},
): Promise<number> {
  return settle(() => countControllerRevisions(namespace, kind, name, opts.kubeConfig), {
    description: `the ControllerRevision count of ${kind} ${namespace}/${name}`,
    ...opts,
  });
}

/**
 * Resolves once the deployment controller has processed the Deployment's current spec
 * (status.observedGeneration caught up with metadata.generation), and returns the
 * Deployment's revision annotation.
 */
export async function waitForDeploymentObserved(
  namespace: string,
  name: string,
  { timeoutMs = 30_000, kubeConfig }: { timeoutMs?: number; kubeConfig?: KubeConfig } = {},
): Promise<string> {
  const api = apps(kubeConfig);
  return waitFor(
    async () => {
      const d = await api.readNamespacedDeployment({ namespace, name });
      const observed = d.status?.observedGeneration ?? 0;
      return observed >= (d.metadata?.generation ?? 1) ? (d.metadata?.annotations?.[REVISION_ANNOTATION] ?? false) : false;
    },
    { description: `the deployment controller to observe Deployment ${namespace}/${name}`, timeoutMs },
  );
}
