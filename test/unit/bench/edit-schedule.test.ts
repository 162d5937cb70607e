import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickConfigMap, seededRandom } from '../../../bench/edit-schedule.ts';

test('the same seed gives the same sequence, and numbers stay in [0, 1)', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const values = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(values, Array.from({ length: 1000 }, () => b()));
  assert.ok(values.every((v) => v >= 0 && v < 1));
  assert.notDeepEqual(values.slice(0, 5), Array.from({ length: 5 }, seededRandom(43)));
});

test('no ConfigMap is edited again within the avoided band of gaps, but gaps below and above it occur', () => {
  const names = Array.from({ length: 20 }, (_, i) => `cm-${i}`);
  const random = seededRandom(7);
  const lastEditAt = new Map<string, number>();
  const gaps: number[] = [];
  const picked = new Map<string, number>();
  for (let k = 0; k < 3000; k++) {
    const now = k * 200; // 5 edits per second
    const name = pickConfigMap(names, lastEditAt, now, [600, 1600], random);
    const last = lastEditAt.get(name);
    if (last !== undefined) gaps.push(now - last);
    lastEditAt.set(name, now);
    picked.set(name, (picked.get(name) ?? 0) + 1);
  }
  assert.equal(gaps.filter((g) => g >= 600 && g < 1600).length, 0);
  assert.ok(gaps.some((g) => g < 600), 'some edits come close enough to merge');
  assert.ok(gaps.filter((g) => g >= 1600).length > gaps.length / 2, 'most edits are a rollout of their own');
  // Spread over every ConfigMap: 150 each on average.
  assert.equal(picked.size, 20);
  assert.ok(Math.min(...picked.values()) > 100 && Math.max(...picked.values()) < 200);
  const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(meanGap > 3500 && meanGap < 4500, `mean gap ${meanGap} ms, about 4 s`);
});

test('when every ConfigMap is in the avoided band, one is still chosen', () => {
  const lastEditAt = new Map([['a', 1000], ['b', 1000]]);
  assert.ok(['a', 'b'].includes(pickConfigMap(['a', 'b'], lastEditAt, 2000, [600, 1600], () => 0.5)));
  assert.throws(() => pickConfigMap([], new Map(), 0, [600, 1600], () => 0), RangeError);
});
