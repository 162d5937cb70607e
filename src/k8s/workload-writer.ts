import { PatchStrategy, setHeaderOptions, type AppsV1Api } from '@kubernetes/client-node';
import type { Operation } from 'fast-json-patch';
import { FIELD_MANAGER, type WorkloadKind } from '../api/constants.ts';
import type { KubeObject } from './list-watch.ts';
import { abortableRequest } from './request-options.ts';

/**
 * Sends a JSON Patch (test ops first) to a Deployment, StatefulSet or DaemonSet as field
 * manager `confighash`, and returns the object as the apiserver stored it.
 */
export async function patchWorkload(
  apps: AppsV1Api,
  kind: WorkloadKind,
  namespace: string,
  name: string,
  ops: Operation[],
  signal: AbortSignal,
): Promise<KubeObject> {
  const request = { name, namespace, body: ops, fieldManager: FIELD_MANAGER };
  const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, abortableRequest(signal));
  switch (kind) {
    case 'Deployment':
      return apps.patchNamespacedDeployment(request, options);
    case 'StatefulSet':
      return apps.patchNamespacedStatefulSet(request, options);
    case 'DaemonSet':
      return apps.patchNamespacedDaemonSet(request, options);
  }
}
