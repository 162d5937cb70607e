import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../config/config-error.ts';
import { requestedKindSpec, type WorkloadKindRequest } from '../config/workload-kinds.ts';
import { apiPrefixOf, DEFAULT_WORKLOAD_KINDS, groupOf, WorkloadKinds, type WorkloadKindSpec } from '../api/workload-kinds.ts';
import type { ControllerError } from '../errors.ts';
import { requestJson, type ApiRequestObserver } from './raw-request.ts';
import { retryTransient } from './retry-transient.ts';

interface ApiResourceList {
  resources?: { name?: string; kind?: string; namespaced?: boolean; verbs?: string[] }[];
}

const NEEDED_VERBS = ['list', 'watch', 'patch'];

/**
 * The workload kinds in effect: the default ones, and each `--workload-kind`, after asking
 * the server for it. A kind the server does not serve, serves only cluster-wide, serves
 * without list, watch or patch, or will not let confighash list, stops the start with a
 * ConfigError naming the flag: watching it would fail over and over, and quietly covering
 * less than asked is worse than not starting. An apiserver that does not answer for now (it
 * restarts: 5xx, timeouts, refused connections) is asked again until `signal` aborts.
 */
export async function discoverWorkloadKinds(
  kubeConfig: KubeConfig,
  requests: readonly WorkloadKindRequest[],
  namespace: string | undefined,
  signal: AbortSignal,
  observe?: ApiRequestObserver,
  /** An answer that did not come (5xx, timeout, no connection) is asked again until `signal` aborts. */
  onRetry?: (error: ControllerError, delayMs: number) => void,
): Promise<WorkloadKinds> {
  const specs: WorkloadKindSpec[] = [...DEFAULT_WORKLOAD_KINDS];
  for (const request of requests) {
    const builtIn = specs.find((spec) => spec.kind === request.kind);
    if (builtIn) {
      if (builtIn.apiVersion === request.apiVersion && builtIn.templatePointer === request.templatePointer) continue;
      throw new ConfigError(`${request.origin}: ${request.kind} is covered already, as ${builtIn.apiVersion} with its pod template at ${builtIn.templatePointer}`);
    }
    const retrying = { signal, ...(onRetry ? { onRetry } : {}) };
    const plural = await retryTransient(() => servedPlural(kubeConfig, request, signal, observe), { ...retrying, action: `ask the apiserver about ${request.apiVersion}` });
    const spec = requestedKindSpec(request, plural);
    await retryTransient(() => checkListAllowed(kubeConfig, spec, request, namespace, signal, observe), { ...retrying, action: `list ${spec.plural}.${groupOf(spec)}` });
    specs.push(spec);
  }
  return new WorkloadKinds(specs);
}

async function servedPlural(kubeConfig: KubeConfig, request: WorkloadKindRequest, signal: AbortSignal, observe?: ApiRequestObserver): Promise<string> {
  const prefix = apiPrefixOf(request);
  const list = await requestJson<ApiResourceList>(kubeConfig, prefix, { signal, ...(observe ? { observe } : {}) }).catch((err: unknown) => {
    if (err instanceof ApiException && err.code === 404) {
      throw new ConfigError(`${request.origin}: the server does not serve ${request.apiVersion}; install the CRD of ${request.kind} or drop the flag`);
    }
    throw err;
  });
  const resource = (list.resources ?? []).find((r) => r.kind === request.kind && r.name !== undefined && !r.name.includes('/'));
  if (!resource?.name) {
    throw new ConfigError(`${request.origin}: the server serves ${request.apiVersion} but no kind ${request.kind} in it; check the kind's spelling`);
  }
  if (resource.namespaced === false) throw new ConfigError(`${request.origin}: ${request.kind} is cluster-scoped; confighash covers namespaced workloads only`);
  const missing = NEEDED_VERBS.filter((verb) => !(resource.verbs ?? []).includes(verb));
  if (missing.length > 0) throw new ConfigError(`${request.origin}: the server does not offer ${missing.join(', ')} on ${resource.name}`);
  return resource.name;
}

/** One LIST of at most one object: a 403 here is a missing RBAC rule, named before any work starts. */
async function checkListAllowed(
  kubeConfig: KubeConfig,
  spec: WorkloadKindSpec,
  request: WorkloadKindRequest,
  namespace: string | undefined,
  signal: AbortSignal,
  observe?: ApiRequestObserver,
): Promise<void> {
  const path = namespace === undefined ? `${apiPrefixOf(spec)}/${spec.plural}` : `${apiPrefixOf(spec)}/namespaces/${namespace}/${spec.plural}`;
  await requestJson(kubeConfig, path, { query: { limit: 1 }, signal, ...(observe ? { observe } : {}) }).catch((err: unknown) => {
    if (err instanceof ApiException && err.code === 403) {
      throw new ConfigError(
        `${request.origin}: confighash may not list ${spec.plural}.${groupOf(spec)}; grant its ClusterRole list, watch and patch on them (docs/workload-kinds.md)`,
      );
    }
    throw err;
  });
}
