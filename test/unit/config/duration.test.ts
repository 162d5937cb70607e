import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../../src/config/duration.ts';

describe('parseDuration', () => {
  it('reads the units ms, s, m and h, alone or combined', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5s'), 1500);
  });

  it('accepts a bare 0 but no other bare number, since its unit would be a guess', () => {
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('500'), undefined);
  });

  it('rejects text that is not a duration', () => {
    for (const text of ['', 'abc', '2 s', '-1s', 's', '1d', '1.s', '2sec']) {
      assert.equal(parseDuration(text), undefined, text);
    }
  });
});

describe('formatDuration', () => {
  it('writes what parseDuration reads back', () => {
    for (const ms of [0, 250, 1000, 15_000, 60_000, 90_000, 3_600_000]) {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }
  });
});
