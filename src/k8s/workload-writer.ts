import { HttpMethod, type KubeConfig } from '@kubernetes/client-node';
import type { Operation } from 'fast-json-patch';
import { FIELD_MANAGER, type WorkloadKind } from '../api/constants.ts';
import { WORKLOAD_PLURALS } from './workload-plurals.ts';
import type { KubeObject } from './list-watch.ts';
import { requestJson, type ApiRequestObserver } from './raw-request.ts';

/**
 * Sends a JSON Patch (test ops first) to a Deployment, StatefulSet or DaemonSet as field
 * manager `confighash`, and returns the object as the apiserver stored it: plain JSON, the
 * same as a watch event, so both reduce to the same facts.
 */
export function patchWorkload(
  kubeConfig: KubeConfig,
  kind: WorkloadKind,
  namespace: string,
  name: string,
  ops: Operation[],
  signal: AbortSignal,
  observe?: ApiRequestObserver,
): Promise<KubeObject> {
  return requestJson<KubeObject>(kubeConfig, `/apis/apps/v1/namespaces/${namespace}/${WORKLOAD_PLURALS[kind]}/${name}`, {
    method: HttpMethod.PATCH,
    query: { fieldManager: FIELD_MANAGER },
    body: ops,
    contentType: 'application/json-patch+json',
    signal,
    ...(observe ? { observe } : {}),
  });
}
