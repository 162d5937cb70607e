import type { KubeConfig } from '@kubernetes/client-node';
import type { Operation } from 'fast-json-patch';
import { apiPrefixOf, type WorkloadKindSpec } from '../api/workload-kinds.ts';
import type { KubeObject } from './list-watch.ts';
import { jsonPatchAsConfighash, type ApiRequestObserver } from './raw-request.ts';

/**
 * Sends a JSON Patch (test ops first) to a workload of any covered kind as field
 * manager `confighash`, and returns the object as the apiserver stored it: plain JSON, the
 * same as a watch event, so both reduce to the same facts.
 */
export function patchWorkload(
  kubeConfig: KubeConfig,
  kind: WorkloadKindSpec,
  namespace: string,
  name: string,
  ops: Operation[],
  signal: AbortSignal,
  observe?: ApiRequestObserver,
): Promise<KubeObject> {
  return jsonPatchAsConfighash<KubeObject>(kubeConfig, `${apiPrefixOf(kind)}/namespaces/${namespace}/${kind.plural}/${name}`, ops, signal, observe);
}
