import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONFLICT_RETRY_DELAY_MS,
  QUICK_CONFLICT_RETRIES,
  retryDelay,
  retryHintOf,
} from '../../../src/queue/retry-delay.ts';

const policy = { initialMs: 200, maxMs: 300_000 };
const noJitter = (): number => 0.5;
const attempts = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);

describe('retryDelay', () => {
  it('retries a conflict at once for the first few attempts, then backs off from the first delay', () => {
    assert.equal(QUICK_CONFLICT_RETRIES, 3);
    assert.deepEqual(
      attempts(6).map((attempt) => retryDelay(policy, { retry: 'conflict' }, attempt, noJitter)),
      [CONFLICT_RETRY_DELAY_MS, CONFLICT_RETRY_DELAY_MS, CONFLICT_RETRY_DELAY_MS, 200, 400, 800],
    );
    assert.equal(CONFLICT_RETRY_DELAY_MS, 50);
  });

  it('backs off exponentially up to the cap', () => {
    assert.deepEqual(
      attempts(4).map((attempt) => retryDelay(policy, { retry: 'backoff' }, attempt, noJitter)),
      [200, 400, 800, 1600],
    );
    assert.equal(retryDelay(policy, { retry: 'backoff' }, 30, noJitter), 300_000);
  });

  it('retries an invalid object only at the cap, from the first attempt on', () => {
    assert.equal(retryDelay(policy, { retry: 'cap' }, 1, noJitter), 300_000);
    assert.equal(retryDelay(policy, { retry: 'cap' }, 1, () => 0), 270_000, 'jittered like any delay at the cap');
  });

  it('waits at least as long as the server asked', () => {
    assert.equal(retryDelay(policy, { retry: 'backoff', retryAfterMs: 5000 }, 1, noJitter), 5000);
    assert.equal(retryDelay(policy, { retry: 'conflict', retryAfterMs: 1000 }, 1, noJitter), 1000);
    assert.equal(retryDelay(policy, { retry: 'backoff', retryAfterMs: 100 }, 3, noJitter), 800, 'a shorter ask changes nothing');
  });

  it('honours a Retry-After longer than the cap', () => {
    assert.equal(retryDelay(policy, { retry: 'cap', retryAfterMs: 600_000 }, 1, noJitter), 600_000);
  });
});

describe('retryHintOf', () => {
  it('reads the retry class and the server delay off an error', () => {
    const error = Object.assign(new Error('throttled'), { retry: 'backoff', retryAfterMs: 7000 });
    assert.deepEqual(retryHintOf(error), { retry: 'backoff', retryAfterMs: 7000 });
    assert.deepEqual(retryHintOf(Object.assign(new Error('c'), { retry: 'conflict' })), { retry: 'conflict' });
  });

  it('backs off on anything without a valid hint', () => {
    assert.deepEqual(retryHintOf(new TypeError('bug')), { retry: 'backoff' });
    assert.deepEqual(retryHintOf('a string'), { retry: 'backoff' });
    assert.deepEqual(retryHintOf(Object.assign(new Error('x'), { retry: 'never', retryAfterMs: -1 })), { retry: 'backoff' });
  });
});
