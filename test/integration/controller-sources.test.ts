// Secrets, missing references, several AppConfigs on one workload and bad specs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectl } from '../support/cluster.ts';
import { workloadConsuming } from '../support/consumers.ts';
import {
  annotationsOf,
  appConfigManifest,
  configMapManifest,
  readAppConfig,
  secretManifest,
  waitForAdoption,
  waitForReadyCondition,
  withControllerScene,
} from '../support/controller-harness.ts';
import { settle, waitFor } from '../support/wait.ts';
import { workloadRecord } from '../support/records.ts';
import { settledReplicaSetCount } from '../support/rollouts.ts';

describe('secrets, missing references and AppConfig specs', () => {
  it('rolls once on a Secret edit, and the Secret value never reaches logs, Events or status', async () => {
    const firstValue = 'correct-horse-battery-staple';
    const secondValue = 'tr0ub4dor-and-3';
    await withControllerScene(async ({ namespace, apply, kubeConfig, controller }) => {
      await apply(
        secretManifest('db', { password: firstValue }),
        workloadConsuming('Deployment', 'api', { secretKeys: [{ name: 'db', key: 'password' }] }),
        appConfigManifest('api', { secrets: [{ name: 'db' }] }),
      );
      await waitForAdoption(namespace, 'Deployment', 'api');
      await kubectl(['-n', namespace, 'patch', 'secret', 'db', '--type=merge', '-p', JSON.stringify({ stringData: { password: secondValue } })]);
      const checksum = await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'api')).checksum, { description: 'the checksum' });
      assert.match(checksum, /^v1\.[0-9a-f]{8}\.[0-9a-f]{64}$/, 'a Secret checksum names its HMAC key');
      assert.equal(await settledReplicaSetCount(namespace, 'api'), 2, 'one rollout');

      const events = (await kubectl(['-n', namespace, 'get', 'events.events.k8s.io', '-o', 'json'])).stdout;
      assert.match(events, /Secret db \(password\) changed/, 'the Event names the Secret and the key that changed');
      const status = JSON.stringify(await readAppConfig(kubeConfig, namespace, 'api'));
      const record = JSON.stringify(await workloadRecord(namespace, 'Deployment', 'api'));
      const logs = controller().logs();
      for (const value of [firstValue, secondValue]) {
        for (const base of [value, Buffer.from(value).toString('base64')]) {
          assert.ok(!logs.includes(base), 'not in the controller log');
          assert.ok(!events.includes(base), 'not in Events');
          assert.ok(!status.includes(base), 'not in the AppConfig status');
          assert.ok(!record.includes(base), 'not in the WorkloadRecord');
        }
      }
    });
  });

  it('reports a missing reference without rolling, and rolls once when the object is created', async () => {
    await withControllerScene(async ({ namespace, apply, kubeConfig }) => {
      await apply(
        configMapManifest('present', { A: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['present', 'flags'] }),
        appConfigManifest('web', { configMaps: [{ name: 'present' }, { name: 'flags' }] }),
      );
      const ac = await waitForReadyCondition(kubeConfig, namespace, 'web', 'MissingReference');
      assert.match(ac.status?.conditions?.[0]?.message ?? '', /ConfigMap "flags"/);
      await waitFor(
        async () => (await kubectl(['-n', namespace, 'get', 'events.events.k8s.io', '--field-selector', 'reason=MissingReference', '-o', 'name'])).stdout.trim(),
        { description: 'a MissingReference Event' },
      );
      await waitForAdoption(namespace, 'Deployment', 'web');
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'nothing rolls while it is missing');

      await apply(configMapManifest('flags', { NEW_UI: 'on' }));
      await waitForReadyCondition(kubeConfig, namespace, 'web', 'Ready');
      await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'the checksum once the object exists' });
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'one rollout when it appears');
    });
  });

  it('gives a workload covered by two AppConfigs one stable checksum and one rollout per change', async () => {
    await withControllerScene(async ({ namespace, apply }) => {
      await apply(
        configMapManifest('common', { REGION: 'eu' }),
        configMapManifest('web-only', { THEME: 'dark' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['common', 'web-only'] }),
        appConfigManifest('platform', { configMaps: [{ name: 'common' }] }),
        appConfigManifest('web', { configMaps: [{ name: 'web-only' }], workloads: { names: [{ kind: 'Deployment', name: 'web' }] } }),
      );
      await waitForAdoption(namespace, 'Deployment', 'web');
      for (const [name, patch] of [['common', '{"data":{"REGION":"us"}}'], ['web-only', '{"data":{"THEME":"light"}}']] as const) {
        const before = await settledReplicaSetCount(namespace, 'web');
        await kubectl(['-n', namespace, 'patch', 'configmap', name, '--type=merge', '-p', patch]);
        await settledReplicaSetCount(namespace, 'web', { stableForMs: 2000 });
        // Ten seconds of watching: two AppConfigs never fight over the annotation.
        const stable = await settle(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, {
          description: 'the checksum',
          stableForMs: 10_000,
          timeoutMs: 40_000,
        });
        assert.ok(stable, 'a checksum is written');
        assert.equal(await settledReplicaSetCount(namespace, 'web'), before + 1, `one rollout for the change of ${name}`);
      }
    });
  });

  it('refuses a malformed AppConfig at the API with a readable message', async () => {
    await withControllerScene(async ({ namespace }) => {
      const bad = [
        { spec: { configMaps: [{ keys: ['A'] }] }, expect: /name: Required value/ },
        { spec: { configMaps: [{ name: 'Not_A_Name' }] }, expect: /spec\.configMaps\[0\]\.name/ },
        { spec: {}, expect: /list at least one object in spec\.configMaps or spec\.secrets/ },
        { spec: { configMaps: [{ name: 'a' }], workloads: {} }, expect: /spec\.workloads needs a selector or names/ },
        { spec: { configMaps: [{ name: 'a' }], extra: true }, expect: /unknown field "spec\.extra"/ },
      ];
      for (const [i, { spec, expect }] of bad.entries()) {
        const manifest = JSON.stringify(appConfigManifest(`bad-${i}`, spec as never));
        const result = await kubectl(['apply', '-n', namespace, '-f', '-'], { input: manifest, allowFailure: true });
        assert.notEqual(result.code, 0, `bad-${i} is refused`);
        assert.match(result.stderr, expect);
      }
    });
  });

  it('reports an AppConfig that passes the schema but is wrong in its status and an Event, and keeps serving the others', async () => {
    await withControllerScene(async ({ namespace, apply, kubeConfig }) => {
      await apply(
        configMapManifest('web-config', { A: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['web-config'] }),
        appConfigManifest('wrong', {
          configMaps: [{ name: 'web-config' }],
          workloads: { selector: { matchExpressions: [{ key: 'tier', operator: 'In' }] } },
        }),
        appConfigManifest('web', { configMaps: [{ name: 'web-config' }] }),
      );
      const wrong = await waitForReadyCondition(kubeConfig, namespace, 'wrong', 'InvalidSpec');
      assert.match(wrong.status?.conditions?.[0]?.message ?? '', /matchExpressions/);
      await waitFor(
        async () => (await kubectl(['-n', namespace, 'get', 'events.events.k8s.io', '--field-selector', 'reason=InvalidSpec', '-o', 'name'])).stdout.trim(),
        { description: 'an InvalidSpec Event' },
      );
      await waitForReadyCondition(kubeConfig, namespace, 'web', 'Ready');
      await waitForAdoption(namespace, 'Deployment', 'web');
      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"A":"2"}}']);
      await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'the valid AppConfig still rolls' });
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 2);
    });
  });
});
