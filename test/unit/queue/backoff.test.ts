import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../../src/queue/backoff.ts';

const policy = { initialMs: 100, maxMs: 1000 };
const noJitter = (): number => 0.5;

describe('backoffDelay', () => {
  it('doubles from initialMs on each attempt', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((attempt) => backoffDelay(policy, attempt, noJitter)),
      [100, 200, 400, 800],
    );
  });

  it('never exceeds maxMs before jitter, even after very many attempts', () => {
    assert.equal(backoffDelay(policy, 5, noJitter), 1000);
    assert.equal(backoffDelay(policy, 10_000, noJitter), 1000);
  });

  it('moves the delay by at most 10 % either way', () => {
    assert.equal(backoffDelay(policy, 1, () => 0), 90);
    assert.equal(backoffDelay(policy, 1, () => 0.999_999), 110);
    assert.equal(backoffDelay(policy, 20, () => 0), 900);
  });
});
