// Issue 21, part 5: --notify-url. One message per rollout reaches a local receiver on
// 127.0.0.1, naming the workload, the AppConfig and the keys that changed, with no value in
// it. A receiver that hangs or answers 500 slows no rollout down: the messages wait in their
// own bounded queue while the workloads roll.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { workloadConsuming } from '../support/consumers.ts';
import { appConfigManifest, configMapManifest, secretManifest, withControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { applyAndAdopt, assertReplicaSets, editConfigMap, editSecret, waitForRolledTo } from '../support/rollout-steps.ts';
import { kubectl } from '../support/cluster.ts';
import { stagedDeployment } from '../support/staged-rollouts.ts';
import { settle, waitFor } from '../support/wait.ts';

type Answer = 'ok' | 'hang' | 'fail';

/** An HTTP receiver on 127.0.0.1 that records each body and answers as told. */
async function withReceiver<T>(answer: Answer, fn: (r: { url: string; bodies: string[] }) => Promise<T>): Promise<T> {
  const bodies: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      bodies.push(text);
      if (answer === 'ok') response.writeHead(200).end('ok');
      if (answer === 'fail') response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await fn({ url: `http://127.0.0.1:${port}/hook`, bodies });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const OLD_VALUE = 'token-value-before-9f3a';
const values = (n: number): string => `token-value-${n}-c41e`;

async function sceneWithSecretReader(scene: Parameters<Parameters<typeof withControllerScene>[0]>[0]): Promise<void> {
  await applyAndAdopt(
    scene,
    'web',
    configMapManifest('app-cm', { LOG_LEVEL: 'info' }),
    secretManifest('app-sec', { token: OLD_VALUE }),
    workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'], secretKeys: [{ name: 'app-sec', key: 'token' }] }),
    appConfigManifest('web', { configMaps: [{ name: 'app-cm' }], secrets: [{ name: 'app-sec' }] }),
  );
}

async function rollWithSecret(namespace: string, n: number): Promise<void> {
  await editSecret(namespace, 'app-sec', { token: values(n) });
  await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'app-cm': { data: { LOG_LEVEL: 'info' } } }, secrets: { 'app-sec': { data: { token: values(n) }, keys: ['token'] } } }));
}

describe('notifications', () => {
  it('sends one Slack message per rollout, naming the workload, the AppConfig and the keys, with no value in it', async () => {
    await withReceiver('ok', async (receiver) => {
      await withControllerScene(
        async (scene) => {
          await sceneWithSecretReader(scene);
          await rollWithSecret(scene.namespace, 1);
          await assertReplicaSets(scene.namespace, 'web', 2, 'one rollout');
          const bodies = await settle(async () => [...receiver.bodies], { description: 'the messages at the receiver' });
          assert.equal(bodies.length, 1, `one message for one rollout: ${JSON.stringify(bodies)}`);
          const { text } = JSON.parse(bodies[0] ?? '{}') as { text?: string };
          assert.match(text ?? '', new RegExp(`^confighash: rolled Deployment ${scene.namespace}/web\\n`));
          assert.match(text ?? '', /changed: Secret app-sec \(token\)/);
          assert.match(text ?? '', new RegExp(`AppConfig: ${scene.namespace}/web`));
          assert.match(text ?? '', /checksum: v1\.[0-9a-f]{8}\.[0-9a-f]{12} -> v1\.[0-9a-f]{8}\.[0-9a-f]{12}\n/, 'checksum prefixes of 24 characters');
          for (const value of [OLD_VALUE, values(1), 'info']) assert.ok(!bodies[0]?.includes(value), `the message carries no value (${value})`);
          assert.equal(await scene.controller().metricValue('confighash_notifications_total', { result: 'sent' }), 1);
        },
        { args: ['--debounce', '0', '--notify-format', 'slack'], env: { CONFIGHASH_NOTIFY_URL: receiver.url } },
      );
    });
  });

  it('sends a rollout, a halt and a resume message, in that order, as json', async () => {
    await withReceiver('ok', async (receiver) => {
      await withControllerScene(
        async (scene) => {
          const bad = await expectedChecksum({ configMaps: { 'app-cm': { data: { MODE: 'broken' } } } });
          await applyAndAdopt(
            scene,
            'web',
            configMapManifest('app-cm', { MODE: 'good' }),
            stagedDeployment('web', { configMap: 'app-cm', progressDeadlineSeconds: 10, notReadyWithChecksum: bad }),
            appConfigManifest('web', { configMaps: [{ name: 'app-cm' }], rollout: { haltOnFailure: true } }),
          );
          await editConfigMap(scene.namespace, 'app-cm', { MODE: 'broken' });
          const events = (): string[] => receiver.bodies.map((b) => (JSON.parse(b) as { event: string }).event);
          await waitFor(() => events().includes('halt'), { description: 'a halt message once the rollout passed its deadline', timeoutMs: 60_000 });
          await kubectl(['-n', scene.namespace, 'annotate', 'ac', 'web', 'confighash.dev/resume=1', '--overwrite']);
          await waitFor(() => events().includes('resume'), { description: 'a resume message' });
          const bodies = await settle(async () => [...receiver.bodies], { description: 'the messages at the receiver' });
          assert.deepEqual(bodies.map((b) => (JSON.parse(b) as { event: string }).event), ['rollout', 'halt', 'resume']);
          const halt = JSON.parse(bodies[1] ?? '{}') as { summary?: string; appConfigs?: string[] };
          assert.match(halt.summary ?? '', new RegExp(`AppConfig ${scene.namespace}/web halted its rollout: Deployment/web@v1\\.[0-9a-f]{21} failed to become available$`), 'names the failed change, its checksum cut to a prefix');
          assert.deepEqual(halt.appConfigs, ['web']);
          assert.ok(bodies.every((b) => !b.includes('broken') && !b.includes('good')), 'no value in any message');
        },
        { args: ['--debounce', '0'], env: { CONFIGHASH_NOTIFY_URL: receiver.url } },
      );
    });
  });

  for (const answer of ['hang', 'fail'] as const) {
    it(`a receiver that ${answer === 'hang' ? 'never answers' : 'answers 500'} slows no rollout: three edits roll three times while the messages fail on their own`, async () => {
      await withReceiver(answer, async (receiver) => {
        await withControllerScene(
          async (scene) => {
            await sceneWithSecretReader(scene);
            for (let n = 1; n <= 3; n++) await rollWithSecret(scene.namespace, n);
            await assertReplicaSets(scene.namespace, 'web', 4, 'three edits, three rollouts');
            assert.ok(receiver.bodies.length >= 1, 'the receiver was asked');
            assert.equal(await scene.controller().metricValue('confighash_notifications_total', { result: 'sent' }), 0, 'nothing was delivered');
            if (answer === 'fail') {
              await waitFor(async () => (await scene.controller().metricValue('confighash_notifications_total', { result: 'failed' })) >= 1, {
                description: 'a notification to fail after its bounded retries',
              });
            }
            assert.doesNotMatch(scene.controller().logs(), /127\.0\.0\.1:\d+\/hook/, 'the URL is never logged');
          },
          { args: ['--debounce', '0'], env: { CONFIGHASH_NOTIFY_URL: receiver.url } },
        );
      });
    });
  }
});
