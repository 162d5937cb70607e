import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dueAt } from '../../../src/queue/due-time.ts';

const quiet = { debounceMs: 1000, debounceMaxMs: 10_000 };

describe('dueAt', () => {
  it('is a quiet period after the latest change', () => {
    assert.equal(dueAt({ changes: { firstAt: 0, lastAt: 3800 } }, quiet), 4800);
  });

  it('is never later than debounceMaxMs after the first change of the burst', () => {
    assert.equal(dueAt({ changes: { firstAt: 0, lastAt: 9500 } }, quiet), 10_000);
  });

  it('has no cap when debounceMaxMs is 0', () => {
    assert.equal(dueAt({ changes: { firstAt: 0, lastAt: 60_000 } }, { ...quiet, debounceMaxMs: 0 }), 61_000);
  });

  it('keeps a retry at its own time when the quiet period after a change ends later', () => {
    assert.equal(dueAt({ retry: { at: 1400, notBefore: 1000 }, changes: { firstAt: 1300, lastAt: 1300 } }, quiet), 1400);
  });

  it('runs a retry early when the quiet period after a change ends first', () => {
    assert.equal(dueAt({ retry: { at: 300_000, notBefore: 0 }, changes: { firstAt: 5000, lastAt: 5000 } }, quiet), 6000);
  });

  it('never runs a retry before the time the server asked for', () => {
    assert.equal(dueAt({ retry: { at: 300_000, notBefore: 20_000 }, changes: { firstAt: 0, lastAt: 0 } }, quiet), 20_000);
  });
});
