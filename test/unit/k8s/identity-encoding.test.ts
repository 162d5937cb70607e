import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { requestUncompressed } from '../../../src/k8s/identity-encoding.ts';
import { getJson } from '../../../src/k8s/raw-request.ts';

/** Serves an empty object to every request and records the Accept-Encoding each one sent. */
async function withRecordingServer(body: (kubeConfig: KubeConfig, encodings: (string | undefined)[]) => Promise<void>): Promise<void> {
  const encodings: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    encodings.push(req.headers['accept-encoding']);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url?.includes('watch=true') ? '' : '{"metadata":{"name":"x"}}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'local', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'nobody' }],
    currentContext: 'local',
  });
  try {
    await body(kubeConfig, encodings);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

async function watchOnce(kubeConfig: KubeConfig): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    void new Watch(kubeConfig).watch('/api/v1/configmaps', {}, () => undefined, (err: unknown) => (err ? reject(err as Error) : resolve()));
  });
}

describe('requestUncompressed', () => {
  it('asks for an uncompressed body on raw LISTs, watches and typed calls', async () => {
    await withRecordingServer(async (kubeConfig, encodings) => {
      requestUncompressed(kubeConfig);
      await getJson(kubeConfig, '/api/v1/configmaps', {}, AbortSignal.timeout(5000));
      await watchOnce(kubeConfig);
      await kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: 'x' });
      assert.deepEqual(encodings, ['identity', 'identity', 'identity']);
    });
  });

  it('is needed: without it every request asks for gzip', async () => {
    await withRecordingServer(async (kubeConfig, encodings) => {
      await getJson(kubeConfig, '/api/v1/configmaps', {}, AbortSignal.timeout(5000));
      await watchOnce(kubeConfig);
      assert.equal(encodings.length, 2);
      for (const encoding of encodings) assert.match(encoding ?? '', /gzip/);
    });
  });
});
