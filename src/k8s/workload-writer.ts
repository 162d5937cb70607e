import { PatchStrategy, setHeaderOptions, type AppsV1Api } from '@kubernetes/client-node';
import type { Operation } from 'fast-json-patch';
import { FIELD_MANAGER, type WorkloadKind } from '../api/constants.ts';

/** Sends a JSON Patch (test op first) to a Deployment, StatefulSet or DaemonSet as field manager `confighash`. */
export async function patchWorkload(apps: AppsV1Api, kind: WorkloadKind, namespace: string, name: string, ops: Operation[]): Promise<void> {
  const request = { name, namespace, body: ops, fieldManager: FIELD_MANAGER };
  const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  switch (kind) {
    case 'Deployment':
      await apps.patchNamespacedDeployment(request, options);
      return;
    case 'StatefulSet':
      await apps.patchNamespacedStatefulSet(request, options);
      return;
    case 'DaemonSet':
      await apps.patchNamespacedDaemonSet(request, options);
      return;
  }
}
