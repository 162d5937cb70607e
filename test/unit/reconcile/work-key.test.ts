import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeWorkKey, encodeWorkKey, type WorkKey } from '../../../src/reconcile/work-key.ts';

describe('work keys', () => {
  it('round-trip workload and status keys through their string form', () => {
    const keys: WorkKey[] = [
      { type: 'workload', namespace: 'shop', kind: 'StatefulSet', name: 'db' },
      { type: 'status', namespace: 'shop', name: 'web' },
    ];
    for (const key of keys) assert.deepEqual(decodeWorkKey(encodeWorkKey(key)), key);
  });

  it('refuses a string that is not a work key', () => {
    assert.throws(() => decodeWorkKey('workload/shop//web'), /not a work key/);
    assert.throws(() => decodeWorkKey('workload/shop/Deployment'), /not a work key/);
    assert.throws(() => decodeWorkKey('status/shop'), /not a work key/);
  });
});
