// Issue 9, point 5: how many rollouts a stream of content edits gives, with the quiet
// period (--debounce, restarting on every change) and its cap (--debounce-max), and that
// an edit made while a rollout is being written is never lost. Rollouts are the
// ReplicaSets the real deployment controller makes.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { workloadConsuming } from '../support/consumers.ts';
import { appConfigManifest, configMapManifest, withControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { replicaSetsOf } from '../support/rollouts.ts';
import { applyAndAdopt, assertReplicaSets, decisionsOf, settledCheckpoint, waitForRolledTo } from '../support/rollout-steps.ts';

const DEFAULT_QUIET_PERIOD_MS = 1000;

/**
 * Writes COUNT=1..count into the ConfigMap on a fixed timetable (edit i at start + i*every),
 * so a slow call does not push the later ones back; returns when each edit was acknowledged.
 */
async function editOnTimetable(
  core: { replaceNamespacedConfigMap(req: { namespace: string; name: string; body: object }): Promise<unknown> },
  namespace: string,
  name: string,
  count: number,
  everyMs: number,
): Promise<number[]> {
  const start = Date.now();
  const done: number[] = [];
  for (let i = 1; i <= count; i++) {
    const due = start + (i - 1) * everyMs;
    if (due > Date.now()) await sleep(due - Date.now());
    await core.replaceNamespacedConfigMap({ namespace, name, body: { metadata: { name, namespace }, data: { COUNT: String(i) } } });
    done.push(Date.now());
  }
  return done;
}

function largestGap(times: number[]): number {
  return times.slice(1).reduce((max, t, i) => Math.max(max, t - times[i]!), 0);
}

const stream = (name: string) => [
  configMapManifest(name, { COUNT: '0' }),
  workloadConsuming('Deployment', 'web', { configMapEnvFrom: [name] }),
  appConfigManifest('web', { configMaps: [{ name }] }),
];

describe('bursts, streams and races of content edits', () => {
  it('gives exactly one rollout for 20 edits 200 ms apart under the default quiet period', async () => {
    await withControllerScene(
      async (scene) => {
        const { namespace, core } = scene;
        await applyAndAdopt(scene, 'web', ...stream('burst-cm'));

        const edits = await editOnTimetable(core, namespace, 'burst-cm', 20, 200);
        // The premise: every edit came within one default quiet period of the one before.
        assert.ok(largestGap(edits) < DEFAULT_QUIET_PERIOD_MS, `edits were acknowledged at most ${largestGap(edits)} ms apart, under the quiet period`);
        await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'burst-cm': { data: { COUNT: '20' } } } }));
        await assertReplicaSets(namespace, 'web', 2, 'one rollout for the whole burst of 20 edits');
        const rolls = decisionsOf(scene.controller(), namespace, 'web').filter((d) => d.decision === 'roll');
        assert.equal(rolls.length, 1, `one roll decision (${JSON.stringify(rolls.map((d) => d.msg))})`);
      },
      { args: [] }, // no --debounce: the default quiet period and cap
    );
  });

  it('rolls during a stream longer than --debounce-max, at most once per cap, and ends on the checksum of the final content', async (t) => {
    await withControllerScene(
      async (scene) => {
        const { namespace, core } = scene;
        await applyAndAdopt(scene, 'web', ...stream('stream-cm'));
        const capMs = 3000;

        const edits = await editOnTimetable(core, namespace, 'stream-cm', 40, 200);
        const spanMs = edits.at(-1)! - edits[0]!;
        assert.ok(largestGap(edits) < 1000, `edits were acknowledged at most ${largestGap(edits)} ms apart, under the 1s quiet period`);
        const final = await expectedChecksum({ configMaps: { 'stream-cm': { data: { COUNT: '40' } } } });
        const record = await waitForRolledTo(namespace, 'web', final);
        assert.equal(record.checksum, final, 'the record ends on the checksum of the final content');

        const replicaSets = await replicaSetsOf(namespace, 'web');
        const rollouts = replicaSets.length - 1;
        const most = Math.ceil(spanMs / capMs) + 1;
        assert.ok(rollouts >= 1 && rollouts <= most, `expected 1..${most} new ReplicaSets for a ${spanMs} ms stream (1 + 1..${most} in total), found ${rollouts} new`);
        await assertReplicaSets(namespace, 'web', replicaSets.length, 'no rollout after the final one');
        t.diagnostic(`${rollouts} new ReplicaSet(s) for a ${spanMs} ms stream (allowed 1..${most})`);
        // The cap, not the end of the stream, started the first rollout: its ReplicaSet was
        // created (whole seconds, rounded down) at least a second before the last edit.
        const firstNew = Date.parse(String(replicaSets[1]?.metadata?.creationTimestamp));
        assert.ok(
          firstNew + 1000 <= edits.at(-1)!,
          `the first rollout came while the edits went on: its ReplicaSet was created at ${new Date(firstNew).toISOString()}, the stream ran ${new Date(edits[0]!).toISOString()}..${new Date(edits.at(-1)!).toISOString()}`,
        );
      },
      { args: ['--debounce', '1s', '--debounce-max', '3s'] },
    );
  });

  it('never loses the second of two back-to-back edits: the template and the record end on the final content', async (t) => {
    await withControllerScene(async (scene) => {
      const { namespace, core } = scene;
      await applyAndAdopt(scene, 'web', ...stream('race-cm'));
      let replicaSets = 1;
      // Each round is one chance to land the second edit while the first rollout is written.
      for (const round of [1, 2, 3, 4, 5]) {
        const first = 2 * round - 1;
        const second = 2 * round;
        await core.replaceNamespacedConfigMap({ namespace, name: 'race-cm', body: { metadata: { name: 'race-cm', namespace }, data: { COUNT: String(first) } } });
        await core.replaceNamespacedConfigMap({ namespace, name: 'race-cm', body: { metadata: { name: 'race-cm', namespace }, data: { COUNT: String(second) } } });
        const final = await expectedChecksum({ configMaps: { 'race-cm': { data: { COUNT: String(second) } } } });

        const settled = await settledCheckpoint(namespace, 'web');
        const decisions = JSON.stringify(decisionsOf(scene.controller(), namespace, 'web').slice(-3).map((d) => d.msg));
        assert.deepEqual(
          { template: settled.template, record: settled.record, placement: settled.placement },
          { template: final, record: final, placement: 'Template' },
          `round ${round}: the pod template and the WorkloadRecord carry the checksum of COUNT=${second}; ${settled.replicaSets} ReplicaSets (last decisions: ${decisions})`,
        );
        const added = settled.replicaSets - replicaSets;
        assert.ok(added === 1 || added === 2, `round ${round}: expected ${replicaSets} + (1 or 2) ReplicaSets in total, found ${settled.replicaSets}`);
        t.diagnostic(`round ${round}: ${added} new ReplicaSet(s)`);
        replicaSets = settled.replicaSets;
      }
    });
  });
});
