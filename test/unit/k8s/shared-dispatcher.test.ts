import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { shareOneDispatcher } from '../../../src/k8s/shared-dispatcher.ts';

function kubeConfigFor(server: string, user = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // Any TLS setting makes client-node build an undici Agent; without one it uses the global dispatcher.
    clusters: [{ name: 'local', server, skipTLSVerify: true }],
    users: [{ name: user, token: 'not-a-real-token' }],
    contexts: [{ name: 'local', cluster: 'local', user }],
    currentContext: 'local',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const context = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return context.getDispatcher();
}

describe('shareOneDispatcher', () => {
  it('gives every request of one KubeConfig the same connection pool', async () => {
    const kc = shareOneDispatcher(kubeConfigFor('https://127.0.0.1:6443'));
    const first = await dispatcherOf(kc);
    assert.ok(first, 'client-node set a dispatcher');
    assert.equal(await dispatcherOf(kc), first);
  });

  it('is needed: without it client-node builds a new dispatcher per request', async () => {
    const kc = kubeConfigFor('https://127.0.0.1:6443');
    assert.notEqual(await dispatcherOf(kc), await dispatcherOf(kc));
  });

  it('keeps the bearer token a per-request header', async () => {
    const kc = shareOneDispatcher(kubeConfigFor('https://127.0.0.1:6443'));
    const context = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
    await kc.applySecurityAuthentication(context);
    assert.equal(context.getHeaders().Authorization, 'Bearer not-a-real-token');
  });
});
