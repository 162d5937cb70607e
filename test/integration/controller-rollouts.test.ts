// Rollouts counted from real ReplicaSets and ControllerRevisions made by the real
// deployment, statefulset and daemonset controllers, with confighash running as a
// child process under its own least-privilege ServiceAccount.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestConfigMapContent, workloadChecksum } from '../../src/core/checksum.ts';
import { kubectl } from '../support/cluster.ts';
import { workloadConsuming } from '../support/consumers.ts';
import {
  annotationsOf,
  appConfigManifest,
  configMapManifest,
  readAppConfig,
  waitForAdoption,
  waitForChecksum,
  waitForReadyCondition,
  withControllerScene,
} from '../support/controller-harness.ts';
import { API_GROUP, API_VERSION, APPCONFIG_PLURAL } from '../../src/api/constants.ts';
import { watchNamespaceWrites } from '../support/namespace-writes.ts';
import { watchObjectWrites } from '../support/object-writes.ts';
import { settledControllerRevisionCount, settledReplicaSetCount } from '../support/rollouts.ts';
import { settle, waitFor } from '../support/wait.ts';

/** The checksum the core computes for a workload that sees every key of these ConfigMaps. */
function expectedChecksum(configMaps: Record<string, Record<string, string>>): string {
  const sources = Object.entries(configMaps).map(([name, data]) => ({
    kind: 'ConfigMap' as const,
    name,
    scope: { kind: 'all' as const },
    digest: digestConfigMapContent({ data }),
  }));
  return workloadChecksum(sources, 'no-secrets-so-unused');
}

describe('rollouts on ConfigMap changes', () => {
  it('rolls each affected Deployment exactly once per content edit, never an unaffected one, with the checksum the core computes', async () => {
    await withControllerScene(async ({ namespace, apps, apply }) => {
      await apply(
        configMapManifest('web-config', { LOG_LEVEL: 'info' }),
        configMapManifest('other-config', { X: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['web-config'] }),
        workloadConsuming('Deployment', 'worker', { configMapVolumes: ['web-config'] }),
        workloadConsuming('Deployment', 'bystander', { configMapEnvFrom: ['other-config'] }),
        appConfigManifest('web', { configMaps: [{ name: 'web-config' }] }),
      );
      for (const name of ['web', 'worker']) await waitForAdoption(namespace, 'Deployment', name);
      for (const name of ['web', 'worker', 'bystander']) assert.equal(await settledReplicaSetCount(namespace, name), 1, `${name} before the edit`);

      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"debug"}}']);
      const expected = expectedChecksum({ 'web-config': { LOG_LEVEL: 'debug' } });
      for (const name of ['web', 'worker']) await waitForChecksum(apps, namespace, 'Deployment', name, expected);

      assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'web rolled once');
      assert.equal(await settledReplicaSetCount(namespace, 'worker'), 2, 'worker rolled once');
      assert.equal(await settledReplicaSetCount(namespace, 'bystander'), 1, 'bystander did not roll');
    });
  });

  it('writes the AppConfig status once per content change, after its Deployments rolled, not before and after', async () => {
    await withControllerScene(async ({ namespace, apps, apply, kubeConfig }) => {
      await apply(
        configMapManifest('web-config', { LOG_LEVEL: 'info' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['web-config'] }),
        workloadConsuming('Deployment', 'worker', { configMapVolumes: ['web-config'] }),
        appConfigManifest('web', { configMaps: [{ name: 'web-config' }] }),
      );
      for (const name of ['web', 'worker']) await waitForAdoption(namespace, 'Deployment', name);
      let quiet = await settle(
        async () => {
          const ac = await readAppConfig(kubeConfig, namespace, 'web');
          return ac.status?.targets?.length === 2 && ac.metadata.resourceVersion;
        },
        { description: 'the status after adoption, unchanged for 3 s', stableForMs: 3000, timeoutMs: 30_000 },
      );
      const collection = `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${APPCONFIG_PLURAL}`;

      for (const level of ['debug', 'warn']) {
        const writes = await watchObjectWrites(kubeConfig, collection, 'web', String(quiet));
        await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', JSON.stringify({ data: { LOG_LEVEL: level } })]);
        const expected = expectedChecksum({ 'web-config': { LOG_LEVEL: level } });
        for (const name of ['web', 'worker']) await waitForChecksum(apps, namespace, 'Deployment', name, expected);
        const inSync = await settle(
          async () => {
            const ac = await readAppConfig(kubeConfig, namespace, 'web');
            const targets = ac.status?.targets ?? [];
            return targets.length === 2 && targets.every((t) => t.reason === 'InSync' && t.checksum === expected) && ac.metadata.resourceVersion;
          },
          { description: 'the status to say InSync with the new checksum, then stay unchanged for 3 s', stableForMs: 3000, timeoutMs: 30_000 },
        );
        const written = await writes.stop();
        assert.deepEqual(written, [String(inSync)], `one status write for the change to ${level}, the one that says InSync`);
        assert.equal(await settledReplicaSetCount(namespace, 'web'), level === 'debug' ? 2 : 3, 'one rollout per change');
        quiet = inSync;
      }
    });
  });

  it('does not roll when only labels or annotations of the ConfigMap change, nor on a delete and re-create with the same content, nor on a re-apply', async () => {
    await withControllerScene(async ({ namespace, apply, kubeConfig }) => {
      const manifests = [
        configMapManifest('web-config', { LOG_LEVEL: 'info' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['web-config'] }),
        appConfigManifest('web', { configMaps: [{ name: 'web-config' }] }),
      ];
      await apply(...manifests);
      await waitForAdoption(namespace, 'Deployment', 'web');
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1);
      const writes = await watchNamespaceWrites(kubeConfig, namespace);

      await kubectl(['-n', namespace, 'label', 'configmap', 'web-config', 'team=payments']);
      await kubectl(['-n', namespace, 'annotate', 'configmap', 'web-config', 'note=metadata only']);
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'metadata-only edits roll nothing');

      await kubectl(['-n', namespace, 'delete', 'configmap', 'web-config']);
      // The AppConfig lists the ConfigMap, so its status names it missing once the controller saw the delete.
      await waitForReadyCondition(kubeConfig, namespace, 'web', 'MissingReference');
      await apply(configMapManifest('web-config', { LOG_LEVEL: 'info' }));
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'delete + re-create with the same content rolls nothing');

      await apply(...manifests);
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'kubectl apply of the same manifests rolls nothing');
      const workloadWrites = (await writes.stop()).filter((write) => write.resource === 'deployments');
      assert.deepEqual(workloadWrites, [], 'the apiserver stored no write to the Deployment');
    });
  });

  it('gives one rollout for 20 edits made inside the debounce window', async () => {
    await withControllerScene(
      async ({ namespace, apps, core, apply }) => {
        await apply(
          configMapManifest('burst-config', { COUNT: '0' }),
          workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['burst-config'] }),
          appConfigManifest('web', { configMaps: [{ name: 'burst-config' }] }),
        );
        await waitForAdoption(namespace, 'Deployment', 'web');
        assert.equal(await settledReplicaSetCount(namespace, 'web'), 1);

        // Twenty content edits straight through the API: well inside the 5 s window.
        for (let i = 1; i <= 20; i++) {
          await core.replaceNamespacedConfigMap({
            namespace,
            name: 'burst-config',
            body: { metadata: { name: 'burst-config', namespace }, data: { COUNT: String(i) } },
          });
        }
        await waitForChecksum(apps, namespace, 'Deployment', 'web', expectedChecksum({ 'burst-config': { COUNT: '20' } }));
        assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'exactly one rollout for the burst');
      },
      { args: ['--debounce', '5s'] },
    );
  });

  it('does not roll for an edit of a key the workload does not consume, and rolls once for one it does', async () => {
    await withControllerScene(async ({ namespace, apply }) => {
      await apply(
        configMapManifest('web-config', { USED: 'a', UNUSED: 'x' }),
        workloadConsuming('Deployment', 'web', { configMapKeys: [{ name: 'web-config', key: 'USED' }] }),
        appConfigManifest('web', { configMaps: [{ name: 'web-config' }] }),
      );
      await waitForAdoption(namespace, 'Deployment', 'web');
      const adopted = await annotationsOf(namespace, 'Deployment', 'web');
      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"UNUSED":"y"}}']);
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'an unconsumed key rolls nothing');
      assert.deepEqual(await annotationsOf(namespace, 'Deployment', 'web'), adopted, 'nothing written');

      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"USED":"b"}}']);
      await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'the checksum to be written' });
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'the consumed key rolls once');
    });
  });

  for (const kind of ['StatefulSet', 'DaemonSet'] as const) {
    it(`rolls a ${kind} exactly once per content edit (one new ControllerRevision)`, async () => {
      await withControllerScene(async ({ namespace, apps, apply }) => {
        await apply(
          configMapManifest('app-config', { MODE: 'a' }),
          workloadConsuming(kind, 'app', { configMapEnvFrom: ['app-config'] }),
          workloadConsuming(kind, 'bystander', {}),
          appConfigManifest('app', { configMaps: [{ name: 'app-config' }] }),
        );
        await waitForAdoption(namespace, kind, 'app');
        assert.equal(await settledControllerRevisionCount(namespace, kind, 'app'), 1);

        await kubectl(['-n', namespace, 'patch', 'configmap', 'app-config', '--type=merge', '-p', '{"data":{"MODE":"b"}}']);
        await waitForChecksum(apps, namespace, kind, 'app', expectedChecksum({ 'app-config': { MODE: 'b' } }));
        assert.equal(await settledControllerRevisionCount(namespace, kind, 'app'), 2, `${kind} rolled once`);
        assert.equal(await settledControllerRevisionCount(namespace, kind, 'bystander'), 1, 'the unaffected one did not roll');
      });
    });
  }
});
