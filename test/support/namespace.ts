import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { adminKubeConfig } from './cluster.ts';
import { waitFor } from './wait.ts';

/** Label on every namespace a test creates, so leftovers are easy to find: `kubectl get ns -l confighash.dev/test`. */
export const TEST_NAMESPACE_LABEL = 'confighash.dev/test';

/** A valid, unique namespace name: `<prefix>-<random>`, at most 63 characters. */
export function uniqueNamespaceName(prefix = 'test'): string {
  const slug = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'test';
  return `${slug}-${randomBytes(4).toString('hex')}`;
}

export interface TestNamespaceOptions {
  prefix?: string;
  kubeConfig?: KubeConfig;
}

/**
 * Runs `fn` in a namespace of its own, created fresh and deleted afterwards (without
 * waiting for the deletion to finish). Returns only when the namespace's `default`
 * ServiceAccount exists, so pods can be admitted at once. Set
 * CONFIGHASH_TEST_KEEP_NAMESPACES=1 to keep namespaces for a post-mortem.
 */
export async function withTestNamespace<T>(fn: (namespace: string) => Promise<T>, opts: TestNamespaceOptions = {}): Promise<T> {
  const core = (opts.kubeConfig ?? adminKubeConfig()).makeApiClient(CoreV1Api);
  const name = uniqueNamespaceName(opts.prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } } } });
  try {
    await waitFor(() => core.readNamespacedServiceAccount({ namespace: name, name: 'default' }), {
      description: `the default ServiceAccount in namespace ${name}`,
    });
    return await fn(name);
  } finally {
    if (process.env.CONFIGHASH_TEST_KEEP_NAMESPACES !== '1') {
      await core.deleteNamespace({ name, propagationPolicy: 'Background' });
    }
  }
}
