import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settle, waitFor } from '../../support/wait.ts';

test('waitFor returns the first truthy value', async () => {
  let calls = 0;
  const value = await waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined), { description: 'three calls', intervalMs: 1 });
  assert.equal(value, 'after 3');
});

test('waitFor times out with what it waited for and the last error', async () => {
  await assert.rejects(
    waitFor(
      () => {
        throw new Error('not yet there');
      },
      { description: 'the moon', timeoutMs: 50, intervalMs: 10 },
    ),
    /timed out after 50ms waiting for the moon \(last: not yet there\)/,
  );
});

test('settle returns a value only once it stopped changing', async () => {
  const values = [1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3];
  let i = 0;
  const settled = await settle(async () => values[Math.min(i++, values.length - 1)], {
    description: 'a counter',
    stableForMs: 40,
    intervalMs: 10,
  });
  assert.equal(settled, 3);
});

test('settle gives up when the value keeps changing', async () => {
  let n = 0;
  await assert.rejects(
    settle(async () => n++, { description: 'a ticking counter', stableForMs: 100, intervalMs: 10, timeoutMs: 80 }),
    /timed out after 80ms waiting for a ticking counter to settle/,
  );
});
