import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ApiException, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createApiClients, type ApiClients } from '../../../src/k8s/api-clients.ts';
import { abortableRequest } from '../../../src/k8s/request-options.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A server that records each request and answers with `reply(request)`: [status, JSON body]. */
async function withServer(
  reply: (request: Seen) => [number, unknown] | undefined,
  body: (clients: ApiClients, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text };
      seen.push(request);
      const answer = reply(request);
      if (!answer) return; // never answers
      res.writeHead(answer[0], { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify(answer[1]));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'a-token' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  try {
    await body(createApiClients(kubeConfig), seen);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('the API calls of json-clients.ts', () => {
  it('send what the generated client would: path, query, JSON body, the middleware headers and the token', async () => {
    await withServer(
      () => [200, { metadata: { name: 'web', resourceVersion: '7' } }],
      async (clients, seen) => {
        const ops = [{ op: 'test', path: '/metadata/name', value: 'web' }];
        const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, abortableRequest(AbortSignal.timeout(5000)));
        const patched = await clients.events.patchNamespacedEvent({ name: 'web', namespace: 'shop', body: ops, fieldManager: 'confighash' }, options);
        assert.deepEqual(patched, { metadata: { name: 'web', resourceVersion: '7' } });
        await clients.customObjects.patchNamespacedCustomObjectStatus(
          { group: 'confighash.dev', version: 'v1alpha1', namespace: 'shop', plural: 'appconfigs', name: 'ac', body: { status: {} }, fieldManager: 'confighash' },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        await clients.customObjects.createNamespacedCustomObject({ group: 'g.dev', version: 'v1', namespace: 'shop', plural: 'things', body: { kind: 'Thing' } });
        await clients.coordination.readNamespacedLease({ name: 'lock', namespace: 'kube-system' });
        await clients.core.createNamespacedSecret({ namespace: 'ns', body: { metadata: { name: 's' } }, dryRun: 'All' });

        assert.deepEqual(
          seen.map((s) => `${s.method} ${s.url}`),
          [
            'PATCH /apis/events.k8s.io/v1/namespaces/shop/events/web?fieldManager=confighash',
            'PATCH /apis/confighash.dev/v1alpha1/namespaces/shop/appconfigs/ac/status?fieldManager=confighash',
            'POST /apis/g.dev/v1/namespaces/shop/things',
            'GET /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/lock',
            'POST /api/v1/namespaces/ns/secrets?dryRun=All',
          ],
        );
        assert.equal(seen[0]?.headers['content-type'], 'application/json-patch+json');
        assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), ops);
        assert.equal(seen[1]?.headers['content-type'], 'application/merge-patch+json');
        assert.equal(seen[2]?.headers['content-type'], 'application/json');
        assert.equal(seen[3]?.body, '');
        for (const request of seen) assert.equal(request.headers.authorization, 'Bearer a-token');
      },
    );
  });

  it('throw ApiException with the status code, the Status and the headers, as the generated clients do', async () => {
    const status = { kind: 'Status', code: 404, reason: 'NotFound', message: 'secrets "k" not found' };
    await withServer(
      () => [404, status],
      async (clients) => {
        const error: unknown = await clients.core.readNamespacedSecret({ name: 'k', namespace: 'ns' }).then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof ApiException);
        assert.equal(error.code, 404);
        assert.deepEqual(error.body, status);
        assert.equal((error.headers as Record<string, string>)['retry-after'], '7');
      },
    );
  });

  it('give up at the abortableRequest signal when the apiserver never answers', { timeout: 10_000 }, async () => {
    await withServer(
      () => undefined,
      async (clients) => {
        await assert.rejects(
          clients.coordination.readNamespacedLease({ name: 'l', namespace: 'ns' }, abortableRequest(AbortSignal.timeout(100))),
          (error: unknown) => error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'),
        );
      },
    );
  });

  it('tell the abortableRequest observer of each answer: verb, status code and duration', async () => {
    await withServer(
      (request) => (request.method === 'GET' ? [404, { kind: 'Status', code: 404 }] : [201, {}]),
      async (clients) => {
        const observed: [string, number | undefined][] = [];
        const observe = (verb: string, code: number | undefined, seconds: number): void => {
          assert.ok(seconds >= 0);
          observed.push([verb, code]);
        };
        await clients.coordination.readNamespacedLease({ name: 'l', namespace: 'ns' }, abortableRequest(AbortSignal.timeout(5000), observe)).catch(() => undefined);
        await clients.coordination.createNamespacedLease({ namespace: 'ns', body: {} }, abortableRequest(AbortSignal.timeout(5000), observe));
        assert.deepEqual(observed, [
          ['get', 404],
          ['create', 201],
        ]);
      },
    );
  });
});
