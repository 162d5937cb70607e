// The controller process itself dies: SIGKILL right after an edit (possibly between the
// template write and the WorkloadRecord write), or SIGTERM in the middle of a burst. The
// next start must finish the work with exactly one rollout per changed workload.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { appsWithConfig, configOf, seconds, TEMPLATE_WRITES, withFaultScene } from '../../support/fault-scene.ts';
import { startPrivateControlPlane, type PrivateControlPlane } from '../../support/faults.ts';
import { waitFor } from '../../support/wait.ts';

const ARGS = ['--debounce', '0', '--retry-max', '5s'];

describe('the controller killed or stopped in the middle of its work', () => {
  let cluster: PrivateControlPlane;
  before(async () => {
    cluster = await startPrivateControlPlane();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('SIGKILLed within 100 ms of an edit and started again, it rolls the workload exactly once per edit', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        await scene.apply(...appsWithConfig(['web']));
        let controller = await scene.startController({ args: ARGS });
        let checksum = (await scene.waitForRecord('web')).checksum;
        assert.equal(await scene.replicaSets('web'), 1);
        const writesBefore = (await scene.requests()).count(TEMPLATE_WRITES);

        // From the edit's response to the SIGKILL (the reconcile's two writes fall somewhere in
        // this range), and once while the edit request itself is still on its way.
        const killDelaysMs = [-1, 0, 10, 25, 50, 100];
        for (const [i, delayMs] of killDelaysMs.entries()) {
          const edit = scene.editConfigMap(configOf('web'), { LEVEL: String(i + 1) });
          if (delayMs >= 0) await edit;
          await sleep(Math.max(0, delayMs));
          process.kill(controller.pid, 'SIGKILL');
          await Promise.all([edit, controller.stop()]);
          const atKill = { template: await scene.templateChecksum('web'), record: (await scene.record('web'))?.checksum };
          const state = atKill.template === checksum ? 'before any write' : atKill.record === checksum ? 'between template and record' : 'after both writes';

          const restarted = performance.now();
          controller = await scene.startController({ args: ARGS });
          const next = await scene.waitForNewChecksum('web', checksum);
          await waitFor(async () => (await scene.record('web'))?.checksum === next, { description: 'the record to follow the template', timeoutMs: 30_000 });
          t.diagnostic(`SIGKILL ${delayMs < 0 ? 'during' : `${delayMs} ms after`} edit ${i + 1} (${state}); landed ${seconds(performance.now() - restarted)} after the restart`);
          assert.equal(await scene.replicaSets('web'), i + 2, `edit ${i + 1} (killed ${state}) rolled exactly once`);
          checksum = next;
        }
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES) - writesBefore, killDelaysMs.length, 'one template write per edit at the apiserver');
      },
      { prefix: 'faults-sigkill' },
    );
  });

  test('SIGTERM during a burst exits within 5 s, and the next start rolls each edited workload exactly once', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'];
        await scene.apply(...appsWithConfig(names));
        const controller = await scene.startController({ args: ARGS });
        for (const name of names) await scene.waitForRecord(name);
        const writesBefore = (await scene.requests()).count(TEMPLATE_WRITES);

        // One edit per workload, 100 ms apart; SIGTERM arrives after the fourth, with work in flight.
        let stopping: Promise<{ exitCode: number | null; ms: number }> | undefined;
        for (const [i, name] of names.entries()) {
          await scene.editConfigMap(configOf(name), { LEVEL: '1' });
          if (i === 3) {
            const signalled = performance.now();
            stopping = controller.stop().then((exitCode) => ({ exitCode, ms: performance.now() - signalled }));
          }
          await sleep(100);
        }
        const stopped = await stopping;
        t.diagnostic(`exited ${seconds(stopped?.ms ?? NaN)} after SIGTERM, with exit code ${stopped?.exitCode}`);
        assert.ok(stopped && stopped.ms < 5000, `exits within 5 s of SIGTERM (took ${stopped?.ms.toFixed(0)} ms)`);
        assert.equal(stopped.exitCode, 0);

        const restarted = performance.now();
        await scene.startController({ args: ARGS });
        for (const name of names) await scene.waitForNewChecksum(name, undefined);
        t.diagnostic(`the next start finished the burst ${seconds(performance.now() - restarted)} after it began`);
        const counts = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await scene.replicaSets(name)] as const)));
        assert.deepEqual(counts, Object.fromEntries(names.map((name) => [name, 2])), 'each edited workload rolled exactly once');
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES) - writesBefore, names.length);
      },
      { prefix: 'faults-sigterm' },
    );
  });
});
