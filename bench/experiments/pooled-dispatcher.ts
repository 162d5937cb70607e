// An experiment, not the product: loaded into the controller with
// `node --import ./bench/experiments/pooled-dispatcher.ts src/main.ts` by
// `npm run bench -- --experiment pooled-dispatcher`, to measure what the fix proposed in
// BENCHMARKS.md would give without changing src/.
//
// @kubernetes/client-node 2.0.1 builds a new undici Agent in every
// applySecurityAuthentication(), that is for every API call: each request opens its own
// TLS connection (with a fresh SecureContext) and leaves it open. This keeps one
// dispatcher per KubeConfig, cluster and user instead. Tokens are headers, not part of
// the dispatcher, so a rotated ServiceAccount token still takes effect.
import { KubeConfig, type Cluster } from '@kubernetes/client-node';

// Private in the typings, public at run time: the one place to hook.
interface WithDispatcher {
  createDispatcher(this: KubeConfig, cluster: Cluster | null, agentOptions: unknown): unknown;
}
const prototype = KubeConfig.prototype as unknown as WithDispatcher;
const original = prototype.createDispatcher;
const pools = new WeakMap<KubeConfig, Map<string, unknown>>();

prototype.createDispatcher = function pooledDispatcher(this: KubeConfig, cluster: Cluster | null, agentOptions: unknown): unknown {
  const key = JSON.stringify([cluster?.name, cluster?.server, this.getCurrentUser()?.name]);
  let byKey = pools.get(this);
  if (!byKey) pools.set(this, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, original.call(this, cluster, agentOptions));
  return byKey.get(key);
};
