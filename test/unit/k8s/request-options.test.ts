import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { abortableRequest } from '../../../src/k8s/request-options.ts';

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'local', server, skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'nobody' }],
    currentContext: 'local',
  });
  return kubeConfig;
}

describe('abortableRequest', () => {
  it('aborts a client-node call to a server that never answers', { timeout: 10_000 }, async () => {
    const server = createServer(() => {
      // Accept the request and never respond, like a wedged apiserver connection.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const api = kubeConfigFor(`http://127.0.0.1:${port}`).makeApiClient(CoordinationV1Api);
      const started = Date.now();
      await assert.rejects(
        api.readNamespacedLease({ name: 'l', namespace: 'ns' }, abortableRequest(AbortSignal.timeout(100))),
        (error: unknown) => error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'),
      );
      assert.ok(Date.now() - started < 5000, 'the call gave up at the signal, not at a socket timeout');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
