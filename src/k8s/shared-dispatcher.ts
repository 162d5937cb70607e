import type { KubeConfig } from '@kubernetes/client-node';

interface DispatcherFactory {
  createDispatcher?: (cluster: { name?: string; server?: string } | null, agentOptions: unknown) => unknown;
  getCurrentUser(): { name?: string } | null;
}

/**
 * Makes every request made through `kubeConfig` share one undici dispatcher (connection
 * pool) per cluster and user.
 *
 * @kubernetes/client-node 2.0.1 caches its http.Agent per cluster and user, but builds a
 * new undici Agent in every applySecurityAuthentication(), that is for every API call and
 * every watch: each opens its own TLS connection and keeps it. At 2,000 Deployments that
 * was most of the controller's start-up CPU and hundreds of MiB of RSS (BENCHMARKS.md).
 * This keys the dispatcher the way the library keys its agents. Bearer tokens travel as
 * headers, so a rotated ServiceAccount token still takes effect.
 *
 * `createDispatcher` is private in the typings: if a later client-node renames it, this
 * does nothing and everything still works, only without the pooling.
 */
export function shareOneDispatcher(kubeConfig: KubeConfig): KubeConfig {
  const factory = kubeConfig as unknown as DispatcherFactory;
  const create = factory.createDispatcher;
  if (typeof create !== 'function') return kubeConfig;
  const dispatchers = new Map<string, unknown>();
  factory.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify([cluster?.name ?? '', cluster?.server ?? '', factory.getCurrentUser()?.name ?? '']);
    let dispatcher = dispatchers.get(key);
    if (dispatcher === undefined) {
      dispatcher = create.call(kubeConfig, cluster, agentOptions);
      dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  };
  return kubeConfig;
}
