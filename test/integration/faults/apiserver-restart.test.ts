// kube-apiserver killed and started again under a running controller, while it is idle and
// while edits wait in its quiet period: it must keep running, watch again, and roll each
// changed workload exactly once. (Frozen controllers and expired watches: watch-expiry.test.ts.
// Each file restarts its apiserver only twice: kube-controller-manager's reflectors back off
// further after every restart, and then lag behind by up to a minute before making ReplicaSets.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAlive } from '../../../scripts/lib/control-plane/index.ts';
import { appsWithConfig, configOf, seconds, TEMPLATE_WRITES, withFaultScene } from '../../support/fault-scene.ts';
import { startPrivateControlPlane, type PrivateControlPlane } from '../../support/faults.ts';

/** Short retry cap: a reconcile that failed while the apiserver was away is retried within 5 s. */
const RETRY = ['--retry-max', '5s'];

describe('kube-apiserver killed and restarted under a running controller', () => {
  let cluster: PrivateControlPlane;
  before(async () => {
    cluster = await startPrivateControlPlane();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('keeps running through a restart while idle, watches again, and rolls once per later change', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const controller = await scene.startController({ args: ['--debounce', '0', ...RETRY] });
        await scene.apply(...appsWithConfig(['web']));
        await scene.waitForRecord('web');
        assert.equal(await scene.replicaSets('web'), 1, 'adoption rolls nothing');

        const restart = await cluster.faults.restartApiserver();
        const edited = performance.now();
        await scene.editConfigMap(configOf('web'), { LEVEL: '1' });
        const first = await scene.waitForNewChecksum('web', undefined);
        const recovery = performance.now() - edited;
        t.diagnostic(`apiserver down ${seconds(restart.downMs)}; edit right after it was ready -> checksum in ${seconds(recovery)}`);
        // The deployment controller lags after an apiserver restart; were it still behind at the
        // next edit, it would fold both template changes into one ReplicaSet.
        assert.equal(await scene.replicaSets('web'), 2, 'one rollout for the first change after the restart');

        await scene.editConfigMap(configOf('web'), { LEVEL: '2' });
        await scene.waitForNewChecksum('web', first);
        assert.equal(await scene.replicaSets('web'), 3, 'one rollout per change after the restart');
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES), 2, 'the apiserver saw exactly two template writes since it started');
        assert.ok(isAlive(controller.pid), 'the controller process kept running');
        assert.ok((await controller.metricValue('confighash_watch_restarts_total', { resource: 'configmaps' })) >= 1, 'its ConfigMap watch was restarted');
        assert.equal(await controller.metricValue('confighash_rollouts_total'), 2);
      },
      { prefix: 'faults-idle' },
    );
  });

  test('rolls each workload once for edits still in the quiet period when the apiserver is killed', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        // A 3 s quiet period: the edits are queued, not yet reconciled, when the apiserver dies.
        await scene.startController({ args: ['--debounce', '3s', ...RETRY] });
        await scene.apply(...appsWithConfig(['web', 'api', 'idle']));
        for (const name of ['web', 'api', 'idle']) await scene.waitForRecord(name);

        const edited = performance.now();
        await scene.editConfigMap(configOf('web'), { LEVEL: '1' });
        await scene.editConfigMap(configOf('api'), { LEVEL: '1' });
        const restart = await cluster.faults.restartApiserver();
        await Promise.all([scene.waitForNewChecksum('web', undefined), scene.waitForNewChecksum('api', undefined)]);
        t.diagnostic(`apiserver down ${seconds(restart.downMs)}; both edits landed ${seconds(performance.now() - edited)} after they were made`);

        assert.deepEqual(
          { web: await scene.replicaSets('web'), api: await scene.replicaSets('api'), idle: await scene.replicaSets('idle') },
          { web: 2, api: 2, idle: 1 },
          'each edited workload rolled once, the other not at all',
        );
        // The counters started with the new apiserver: every template write happened after the restart.
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES), 2);
      },
      { prefix: 'faults-pending' },
    );
  });
});
