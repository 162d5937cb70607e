import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idealRollouts, quietPeriodGroups } from '../../../bench/ideal-rollouts.ts';

const quiet = { debounceMs: 1000, debounceMaxMs: 10_000 };

test('edits of one ConfigMap further apart than the quiet period roll its workloads once each', () => {
  assert.equal(quietPeriodGroups([0, 4000, 8000, 9500, 20_000], quiet), 5);
  assert.equal(quietPeriodGroups([1000], quiet), 1);
  assert.equal(quietPeriodGroups([], quiet), 0);
});

test('edits closer than the quiet period merge into one rollout, and the quiet period restarts on every edit', () => {
  // 0 → 900 → 1800 → 2700: each gap under 1 s, so the group stays open long after its first second.
  assert.equal(quietPeriodGroups([0, 900, 1800, 2700], quiet), 1);
  assert.equal(quietPeriodGroups([0, 300, 5000, 5200, 5400], quiet), 2);
});

test('a gap of exactly the quiet period finds the group already run', () => {
  assert.equal(quietPeriodGroups([0, 1000], quiet), 2);
  assert.equal(quietPeriodGroups([0, 999], quiet), 1);
});

test('a stream of close edits runs once per longest wait (--debounce-max), counted from its first edit', () => {
  const everyHalfSecondFor25s = Array.from({ length: 51 }, (_, i) => i * 500);
  // Groups start at 0, 10 s and 20 s: each is due at its first edit + 10 s, before the next quiet end.
  assert.equal(quietPeriodGroups(everyHalfSecondFor25s, quiet), 3);
  assert.equal(quietPeriodGroups(everyHalfSecondFor25s, { debounceMs: 1000, debounceMaxMs: 0 }), 1);
});

test('edit times need not be sorted', () => {
  assert.equal(quietPeriodGroups([5000, 0, 300], quiet), 2);
});

test('the ideal multiplies each ConfigMap\'s groups by the workloads reading it, and the range shows gaps near the quiet period', () => {
  const edits = new Map([
    ['a', [0, 4000]], // 2 groups, both gaps far from 1 s
    ['b', [0, 1100, 6000]], // 3 groups; the 1.1 s gap is within 250 ms of the quiet period
  ]);
  assert.deepEqual(idealRollouts(edits, 2, quiet, 250), { ideal: 10, low: 8, high: 10 });
  assert.deepEqual(idealRollouts(new Map([['a', [0, 4000]]]), 2, quiet, 250), { ideal: 4, low: 4, high: 4 });
});
