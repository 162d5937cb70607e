import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { allocatePorts, assertPortFree, PortInUseError } from '../../../scripts/lib/control-plane/ports.ts';

test('allocatePorts gives each name its own free loopback port', async () => {
  const ports = await allocatePorts(['a', 'b', 'c'] as const);
  assert.equal(new Set(Object.values(ports)).size, 3);
  for (const port of Object.values(ports)) await assertPortFree(port, 'test');
});

test('assertPortFree names the port and its purpose when something listens there', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await assert.rejects(assertPortFree(address.port, 'kube-apiserver'), (error: unknown) => {
    assert.ok(error instanceof PortInUseError);
    assert.equal(error.port, address.port);
    assert.match(error.message, new RegExp(`port ${address.port} on 127.0.0.1 \\(kube-apiserver\\) is already in use`));
    return true;
  });
});
