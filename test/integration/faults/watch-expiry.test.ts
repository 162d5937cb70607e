// The controller frozen (SIGSTOP) while edits are made and kube-apiserver is killed and started
// again: thawed into the new apiserver's start-up (whose authorizer may still deny), or thawed
// after an etcd compaction and the restart, when none of its watches can be resumed (410 Gone).
// Either way the pending changes land, each changed workload rolls exactly once, nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAlive } from '../../../scripts/lib/control-plane/index.ts';
import { appsWithConfig, configOf, seconds, TEMPLATE_WRITES, waitForInSync, withFaultScene } from '../../support/fault-scene.ts';
import { startPrivateControlPlane, type PrivateControlPlane } from '../../support/faults.ts';
import { waitFor } from '../../support/wait.ts';

/** Short retry cap: a reconcile that failed while the apiserver was away is retried within 5 s. */
const RETRY = ['--retry-max', '5s'];

describe('a frozen controller across a kube-apiserver restart', () => {
  let cluster: PrivateControlPlane;
  before(async () => {
    cluster = await startPrivateControlPlane();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('lands an edit made while the controller was frozen, when it is thawed into the new apiserver start-up', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const controller = await scene.startController({ args: ['--debounce', '0', ...RETRY] });
        await scene.apply(...appsWithConfig(['web']));
        await scene.waitForRecord('web');

        await cluster.faults.freeze(controller.pid);
        await scene.editConfigMap(configOf('web'), { LEVEL: '1' });
        const oldApiserver = cluster.faults.pid('kube-apiserver');
        const restarting = cluster.faults.restartApiserver();
        // Thaw as soon as the new apiserver process exists: its port opens before its authorizer is ready.
        await waitFor(() => ![undefined, oldApiserver].includes(cluster.pids['kube-apiserver']), {
          description: 'the new kube-apiserver process',
          timeoutMs: 30_000,
          intervalMs: 10,
        });
        const thawed = performance.now();
        await cluster.faults.thaw(controller.pid);
        const restart = await restarting;
        const readyAfterThaw = performance.now() - thawed;
        await scene.waitForNewChecksum('web', undefined);
        const landed = performance.now() - thawed;

        const denied = controller.logLines().filter((line) => line.statusCode === 403).length;
        t.diagnostic(
          `thawed ${seconds(readyAfterThaw)} before the new apiserver was ready (down ${seconds(restart.downMs)}); ` +
            `change landed ${seconds(landed)} after the thaw; reconciles denied with 403 meanwhile: ${denied}`,
        );
        assert.equal(await scene.replicaSets('web'), 2, 'exactly one rollout');
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES), 1, 'one template write, after the restart');
        await waitForInSync(scene, 'apps');
        assert.ok(isAlive(controller.pid));
      },
      { prefix: 'faults-thaw' },
    );
  });

  test('after a freeze across an etcd compaction and an apiserver restart, relists and rolls each changed workload once, nothing else', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const controller = await scene.startController({ args: ['--debounce', '500ms', ...RETRY] });
        const names = ['twice', 'once', 'labels', 'untouched'];
        await scene.apply(...appsWithConfig(names));
        for (const name of names) await scene.waitForRecord(name);
        // Read before the freeze: a frozen process accepts the connection and never answers.
        const restartsBefore = await watchRestarts(controller);

        await cluster.faults.freeze(controller.pid);
        await scene.editConfigMap(configOf('twice'), { LEVEL: '1' });
        await scene.editConfigMap(configOf('twice'), { LEVEL: '2' });
        await scene.editConfigMap(configOf('once'), { LEVEL: '1' });
        await scene.kubectl(['label', 'configmap', configOf('labels'), 'touched=yes']);
        // The resourceVersions the frozen watches hold are gone from etcd, and the new apiserver's
        // watch cache starts after them: resuming any of them answers 410 Gone.
        await cluster.faults.compactEtcd();
        const restart = await cluster.faults.restartApiserver();
        const thawed = performance.now();
        await cluster.faults.thaw(controller.pid);

        await Promise.all([scene.waitForNewChecksum('twice', undefined), scene.waitForNewChecksum('once', undefined)]);
        t.diagnostic(`apiserver down ${seconds(restart.downMs)}; both changes landed ${seconds(performance.now() - thawed)} after the thaw`);

        assert.deepEqual(
          {
            twice: await scene.replicaSets('twice'),
            once: await scene.replicaSets('once'),
            labels: await scene.replicaSets('labels'),
            untouched: await scene.replicaSets('untouched'),
          },
          { twice: 2, once: 2, labels: 1, untouched: 1 },
        );
        // The counters started with the new apiserver, before the thaw: all of this is the thawed controller's.
        const requests = await scene.requests();
        assert.equal(requests.count(TEMPLATE_WRITES), 2, 'the apiserver saw two template writes, no more');
        assert.equal(requests.count({ verb: 'PUT', group: 'confighash.dev', resource: 'workloadrecords' }), 2, 'and two record writes: nothing for the unchanged workloads');
        // Whether a resumed watch is answered 410 depends on how far the frozen process got:
        // the kernel keeps accepting the stream into its socket buffer, so on thaw it may read
        // the edits and a newer bookmark before the connection drops, and then resume cleanly.
        // Either way its watches must have been re-established, and the counts above show that
        // nothing was lost and nothing rolled twice. The 410 path itself: test/unit/k8s/list-watch*.
        const restartsAfter = await watchRestarts(controller);
        assert.ok(restartsAfter.total > restartsBefore.total, `the watches were re-established (${JSON.stringify(restartsAfter)})`);
        t.diagnostic(`watch restarts after the thaw: expired ${restartsAfter.expired - restartsBefore.expired}, error ${restartsAfter.error - restartsBefore.error}`);
        assert.equal(await scene.templateChecksum('labels'), undefined);
        assert.equal(await scene.templateChecksum('untouched'), undefined);
      },
      { prefix: 'faults-expiry' },
    );
  });
});

async function watchRestarts(controller: { metricValue(name: string, labels?: Record<string, string>): Promise<number> }): Promise<{ expired: number; error: number; total: number }> {
  const expired = await controller.metricValue('confighash_watch_restarts_total', { reason: 'expired' });
  const error = await controller.metricValue('confighash_watch_restarts_total', { reason: 'error' });
  return { expired, error, total: expired + error };
}
