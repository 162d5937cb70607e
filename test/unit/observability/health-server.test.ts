import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/observability/logger.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { startHealthServer, type HealthServer } from '../../../src/observability/health-server.ts';

describe('health server over 127.0.0.1', () => {
  const state = { ready: false, alive: true };
  const metrics = createMetrics();
  let server: HealthServer;
  let base: string;

  before(async () => {
    server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      isReady: () => state.ready,
      isAlive: () => state.alive,
      notReadyReason: () => 'informer caches not synced',
      logger: createLogger('silent'),
    });
    base = `http://127.0.0.1:${server.port}`;
  });

  after(() => server.close());

  it('picks a free port when asked for port 0', () => {
    assert.ok(server.port > 0);
  });

  it('answers /readyz with 503 and the reason until ready, then 200', async () => {
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal(await notReady.text(), 'not ready: informer caches not synced\n');
    state.ready = true;
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'ok\n');
  });

  it('answers /healthz from isAlive', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    state.alive = false;
    const dead = await fetch(`${base}/healthz`);
    assert.equal(dead.status, 500);
    await dead.body?.cancel();
    state.alive = true;
  });

  it('serves the registry on /metrics in the Prometheus text format', async () => {
    metrics.queueDepth.set(7);
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await response.text(), /^confighash_queue_depth 7$/m);
  });

  it('ignores the query string when routing', async () => {
    const response = await fetch(`${base}/healthz?verbose=1`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  it('returns 404 for unknown paths and 405 for other methods', async () => {
    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const post = await fetch(`${base}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.body?.cancel();
  });

  it('reports a clear error when the port is taken', async () => {
    await assert.rejects(
      startHealthServer({
        host: '127.0.0.1',
        port: server.port,
        registry: metrics.registry,
        isReady: () => true,
        isAlive: () => true,
        logger: createLogger('silent'),
      }),
      /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
    );
  });
});

describe('health server shutdown', () => {
  it('closes promptly even with a keep-alive connection open, and stops answering', async () => {
    const server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetrics().registry,
      isReady: () => true,
      isAlive: () => true,
      logger: createLogger('silent'),
    });
    const url = `http://127.0.0.1:${server.port}/healthz`;
    await (await fetch(url)).text();
    await server.close();
    await assert.rejects(fetch(url));
  });
});
