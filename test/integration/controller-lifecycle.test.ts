// Adoption, restarts, changes made while the controller was down, leader failover and
// a lost HMAC key: the cases where a reload controller most often rolls by mistake.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIELD_MANAGER } from '../../src/api/constants.ts';
import { kubectl } from '../support/cluster.ts';
import { workloadConsuming } from '../support/consumers.ts';
import {
  annotationsOf,
  appConfigManifest,
  configMapManifest,
  controllerServiceAccountKubeconfig,
  secretManifest,
  waitForAdoption,
  withControllerScene,
} from '../support/controller-harness.ts';
import { startController } from '../support/controller-process.ts';
import { watchNamespaceWrites, type StoredWrite } from '../support/namespace-writes.ts';
import { workloadRecord } from '../support/records.ts';
import { settledReplicaSetCount, waitForDeploymentObserved } from '../support/rollouts.ts';
import { waitFor } from '../support/wait.ts';

const manifests = [
  configMapManifest('web-config', { LOG_LEVEL: 'info' }),
  secretManifest('web-secret', { password: 'first-password' }),
  workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['web-config'], secretEnvFrom: ['web-secret'] }),
  appConfigManifest('web', { configMaps: [{ name: 'web-config' }], secrets: [{ name: 'web-secret' }] }),
];

/** The stored writes to workloads and AppConfigs (their status included): none when nothing changed. */
function workloadAndStatusWrites(writes: readonly StoredWrite[]): StoredWrite[] {
  return writes.filter((write) => write.resource !== 'workloadrecords');
}

/** Waits until the controller has reconciled everything once after start-up (its queue went idle). */
async function caughtUp(controller: { metricValue(name: string, labels?: Record<string, string>): Promise<number> }): Promise<void> {
  await waitFor(async () => (await controller.metricValue('confighash_reconciles_total', { kind: 'workload' })) > 0, {
    description: 'the first workload reconcile after start-up',
  });
  await waitFor(async () => (await controller.metricValue('confighash_queue_depth')) === 0, { description: 'an empty queue' });
}

describe('adoption, restarts and failover', () => {
  it('adopts a workload by writing only its WorkloadRecord, nothing to the workload, then rolls once on the first real change', async () => {
    await withControllerScene(
      async ({ namespace, apps, apply, kubeConfig, startController: start }) => {
        await apply(...manifests);
        await waitForDeploymentObserved(namespace, 'web');
        const before = await apps.readNamespacedDeployment({ namespace, name: 'web' });
        const writes = await watchNamespaceWrites(kubeConfig, namespace);

        await start();
        const recorded = await waitForAdoption(namespace, 'Deployment', 'web');
        const record = await workloadRecord(namespace, 'Deployment', 'web');
        assert.equal(record?.placement, 'Baseline', 'the WorkloadRecord says the checksum is recorded outside the workload');
        assert.equal(record?.checksum, recorded);
        assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'adoption rolls nothing');

        const after = await apps.readNamespacedDeployment({ namespace, name: 'web' });
        assert.deepEqual(after.metadata?.annotations, before.metadata?.annotations, 'no workload annotation added or changed');
        assert.equal(after.metadata?.generation, before.metadata?.generation, 'no spec change');
        assert.deepEqual(after.spec?.template, before.spec?.template, 'the pod template is untouched');
        const confighashFields = (after.metadata?.managedFields ?? []).filter((entry) => entry.manager === FIELD_MANAGER);
        assert.deepEqual(confighashFields, [], 'confighash owns no field of the workload');
        const stored = await writes.stop();
        assert.deepEqual(stored.filter((write) => write.resource === 'deployments'), [], 'the apiserver stored no write to the Deployment');
        assert.ok(stored.some((write) => write.resource === 'workloadrecords' && write.type === 'ADDED'), 'the WorkloadRecord was created');

        await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"warn"}}']);
        await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'the first checksum' });
        assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'the first change rolls once');
      },
      { deferStart: true },
    );
  });

  it('makes no PATCH and no rollout when the controller restarts with nothing changed', async () => {
    await withControllerScene(async ({ namespace, apply, kubeConfig, stopController, startController: start }) => {
      await apply(...manifests);
      await waitForAdoption(namespace, 'Deployment', 'web');
      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"warn"}}']);
      await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'a checksum' });
      const before = await settledReplicaSetCount(namespace, 'web');

      await stopController();
      const writes = await watchNamespaceWrites(kubeConfig, namespace);
      const restarted = await start();
      await caughtUp(restarted);
      assert.equal(await settledReplicaSetCount(namespace, 'web'), before, 'no rollout');
      assert.deepEqual(workloadAndStatusWrites(await writes.stop()), [], 'the apiserver stored no write to the workload or the AppConfig status');
    });
  });

  it('rolls exactly once for a change made while the controller was stopped', async () => {
    await withControllerScene(async ({ namespace, apply, stopController, startController: start }) => {
      await apply(...manifests);
      await waitForAdoption(namespace, 'Deployment', 'web');
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1);

      await stopController();
      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"error"}}']);
      const restarted = await start();
      await caughtUp(restarted);
      await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'the catch-up checksum' });
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'one rollout after start-up');
      assert.equal(await restarted.metricValue('confighash_rollouts_total'), 1);
    });
  });

  it('makes no rollout on leader failover, and the new leader rolls once on the next change', async () => {
    const kubeconfig = await controllerServiceAccountKubeconfig();
    const election = ['--leader-elect', '--leader-election-lease-duration', '4s', '--leader-election-renew-deadline', '3s', '--leader-election-retry-period', '500ms'];
    await withControllerScene(
      async ({ namespace, apply, kubeConfig, stopController }) => {
        await apply(...manifests);
        await waitForAdoption(namespace, 'Deployment', 'web');
        assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'adoption rolls nothing');
        const writes = await watchNamespaceWrites(kubeConfig, namespace);
        const standby = await startController({ kubeconfig, args: ['--namespace', namespace, '--debounce', '0', ...election] });
        try {
          assert.equal(await standby.metricValue('confighash_leader'), 0, 'the second replica waits');
          await stopController();
          await waitFor(async () => (await standby.metricValue('confighash_leader')) === 1, { description: 'the standby to take the Lease', timeoutMs: 30_000 });
          await caughtUp(standby);
          assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'failover rolls nothing');
          assert.deepEqual(workloadAndStatusWrites(await writes.stop()), [], 'failover writes nothing to the workload or the AppConfig status');

          await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"debug"}}']);
          await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'the new leader to write' });
          assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'one rollout by the new leader');
        } finally {
          await standby.stop();
        }
      },
      { args: ['--debounce', '0', ...election] },
    );
  });

  it('re-baselines instead of rolling when the HMAC key Secret was lost, and rolls once on the next Secret change', async () => {
    await withControllerScene(
      async ({ namespace, apply, stopController, startController: start }) => {
        // The key lives in this test's namespace so no other test sees it replaced.
        await apply(
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'hmac-key' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['create'] }, { apiGroups: [''], resources: ['secrets'], resourceNames: ['confighash-hmac-key'], verbs: ['get'] }] },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'hmac-key' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'hmac-key' }, subjects: [{ kind: 'ServiceAccount', name: 'confighash', namespace: 'confighash-system' }] },
        );
        await start(['--hmac-secret-namespace', namespace]);
        await apply(...manifests);
        await kubectl(['-n', namespace, 'patch', 'secret', 'web-secret', '--type=merge', '-p', '{"stringData":{"password":"second-password"}}']);
        const before = await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'a Secret-derived checksum' });
        assert.equal(await settledReplicaSetCount(namespace, 'web'), 2);

        await stopController();
        await kubectl(['-n', namespace, 'delete', 'secret', 'confighash-hmac-key']);
        const restarted = await start(['--hmac-secret-namespace', namespace]);
        await caughtUp(restarted);
        const after = await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).baseline, { description: 'a new baseline under the new key' });
        assert.notEqual(after.split('.')[1], before.split('.')[1], 'the baseline carries the new key id');
        assert.equal((await annotationsOf(namespace, 'Deployment', 'web')).checksum, before, 'the pod template is untouched');
        assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'a lost key rolls nothing');
        assert.match(restarted.logs(), /created a new HMAC key/, 'the new key is reported');

        await kubectl(['-n', namespace, 'patch', 'secret', 'web-secret', '--type=merge', '-p', '{"stringData":{"password":"third-password"}}']);
        await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum !== before, { description: 'the next Secret change to be written' });
        assert.equal(await settledReplicaSetCount(namespace, 'web'), 3, 'the next change rolls once');
      },
      { deferStart: true },
    );
  });

  it('leaves workloads untouched when their AppConfig is deleted', async () => {
    await withControllerScene(async ({ namespace, apply, kubeConfig }) => {
      await apply(...manifests);
      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"warn"}}']);
      await waitFor(async () => (await annotationsOf(namespace, 'Deployment', 'web')).checksum, { description: 'a checksum' });
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'the edit rolled once');
      const before = await annotationsOf(namespace, 'Deployment', 'web');
      const writes = await watchNamespaceWrites(kubeConfig, namespace);

      await kubectl(['-n', namespace, 'delete', 'appconfig', 'web']);
      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"debug"}}']);
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 2, 'no rollout after the delete, nor for later edits');
      assert.deepEqual(await annotationsOf(namespace, 'Deployment', 'web'), before, 'annotations are left as they were');
      const workloadWrites = (await writes.stop()).filter((write) => write.resource === 'deployments');
      assert.deepEqual(workloadWrites, [], 'the apiserver stored no write to the Deployment');
    });
  });
});
