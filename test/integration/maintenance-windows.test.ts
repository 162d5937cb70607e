// Issue 21, part 3: spec.rollout.windows. A content change outside every window waits
// (target reason Waiting, naming the next window) and rolls exactly once when a window opens,
// however many changes came in between, also across a restart (the alarm is computed again at
// start). confighash.dev/roll-now overrides the windows once. Windows are whole minutes on the
// wall clock, so the test's window opens at a minute boundary 35 to 95 seconds from its start.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceWindow, TargetStatus, WindowDay } from '../../src/api/appconfig.ts';
import { kubectl } from '../support/cluster.ts';
import { workloadConsuming } from '../support/consumers.ts';
import { appConfigManifest, configMapManifest, readAppConfig, withControllerScene, type ControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { applyAndAdopt, assertReplicaSets, editConfigMap, templateChecksum, templateWrites, waitForRolledTo } from '../support/rollout-steps.ts';
import { waitFor } from '../support/wait.ts';

const DAYS: WindowDay[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const hhmm = (d: Date): string => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;

/** A one-minute window in UTC, opening at `opening` (a minute boundary). */
function oneMinuteWindow(opening: Date): MaintenanceWindow {
  return { days: [DAYS[opening.getUTCDay()] ?? 'Mon'], start: hhmm(opening), end: hhmm(new Date(opening.getTime() + 60_000)), timeZone: 'UTC' };
}

function waitForTarget(scene: ControllerScene, accept: (t: TargetStatus) => boolean, description: string): Promise<TargetStatus> {
  return waitFor(
    async () => {
      const ac = await readAppConfig(scene.kubeConfig, scene.namespace, 'web');
      const target = ac.status?.targets?.find((t) => t.name === 'web');
      return target !== undefined && accept(target) && target;
    },
    { description: `the status target of Deployment web: ${description}` },
  );
}

describe('maintenance windows', () => {
  it('rolls nothing outside the window, then exactly once when it opens after 5 edits, across a restart', async () => {
    await withControllerScene(async (scene) => {
      const opening = new Date(Math.ceil((Date.now() + 35_000) / 60_000) * 60_000);
      const window = oneMinuteWindow(opening);
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { v: '0' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'] }),
        appConfigManifest('web', { configMaps: [{ name: 'app-cm' }], rollout: { windows: [window] } }),
      );
      for (let v = 1; v <= 5; v++) await editConfigMap(scene.namespace, 'app-cm', { v: String(v) });
      const waiting = await waitForTarget(scene, (t) => t.reason === 'Waiting', 'Waiting for the window');
      assert.equal(waiting.nextWindow, `${opening.toISOString()} (${window.days[0]} ${window.start}-${window.end} UTC)`);
      assert.ok(Date.now() < opening.getTime(), 'the edits were made before the window opened');
      await assertReplicaSets(scene.namespace, 'web', 1, 'five edits outside the window');
      assert.equal(await templateWrites(scene.controller()), 0, 'no pod-template write outside the window');

      await scene.stopController();
      await scene.startController();
      await waitForTarget(scene, (t) => t.reason === 'Waiting', 'still Waiting after the restart');
      assert.ok(Date.now() < opening.getTime(), 'restarted before the window opened; its alarm is computed again at start');

      const final = await expectedChecksum({ configMaps: { 'app-cm': { data: { v: '5' } } } });
      await waitFor(async () => (await templateChecksum(scene.namespace, 'web')) === final, {
        description: `Deployment web to roll once the window opens at ${opening.toISOString()}`,
        timeoutMs: opening.getTime() - Date.now() + 30_000,
        intervalMs: 500,
      });
      const rolled = await waitForRolledTo(scene.namespace, 'web', final);
      assert.ok(Date.parse(rolled.lastRollout?.time ?? '') >= opening.getTime(), `rolled at ${rolled.lastRollout?.time}, not before ${opening.toISOString()}`);
      await assertReplicaSets(scene.namespace, 'web', 2, 'exactly one rollout when the window opened, for five edits');
      assert.equal(await templateWrites(scene.controller()), 1, 'one pod-template write');
    });
  });

  it('a new confighash.dev/roll-now value rolls what is pending outside the windows once; the next edit waits again', async () => {
    await withControllerScene(async (scene) => {
      // Three days ahead: closed for the whole test.
      const window = oneMinuteWindow(new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 60_000) * 60_000));
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { v: '0' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'] }),
        appConfigManifest('web', { configMaps: [{ name: 'app-cm' }], rollout: { windows: [window] } }),
      );
      await editConfigMap(scene.namespace, 'app-cm', { v: '1' });
      await editConfigMap(scene.namespace, 'app-cm', { v: '2' });
      await waitForTarget(scene, (t) => t.reason === 'Waiting', 'Waiting for the window');
      await assertReplicaSets(scene.namespace, 'web', 1, 'two edits outside the window');

      await kubectl(['-n', scene.namespace, 'annotate', 'appconfig', 'web', 'confighash.dev/roll-now=first']);
      await waitForRolledTo(scene.namespace, 'web', await expectedChecksum({ configMaps: { 'app-cm': { data: { v: '2' } } } }));
      await waitFor(async () => (await readAppConfig(scene.kubeConfig, scene.namespace, 'web')).status?.rolledNowWith === 'first', { description: 'status.rolledNowWith to record the value' });
      await assertReplicaSets(scene.namespace, 'web', 2, 'roll-now rolled the pending change once');

      await editConfigMap(scene.namespace, 'app-cm', { v: '3' });
      await waitForTarget(scene, (t) => t.reason === 'Waiting' && t.checksum !== undefined, 'Waiting again after the override was used');
      await assertReplicaSets(scene.namespace, 'web', 2, 'the override works once: the next edit waits for the window');
      assert.equal(await templateWrites(scene.controller()), 1, 'one pod-template write in all');
    });
  });
});
