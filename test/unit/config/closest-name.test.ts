import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closestName, editDistance } from '../../../src/config/closest-name.ts';

describe('closestName', () => {
  it('names the nearest candidate for a typo, a missing letter or an extra one', () => {
    const names = ['namespace', 'all-namespaces', 'debounce', 'debounce-max'];
    assert.equal(closestName('namspace', names), 'namespace');
    assert.equal(closestName('namespaces', names), 'namespace');
    assert.equal(closestName('debounse', names), 'debounce');
    assert.equal(closestName('DEBOUNCE-MAXX', names), 'debounce-max');
  });

  it('names nothing when no candidate is close', () => {
    assert.equal(closestName('frobnicate', ['namespace', 'debounce']), undefined);
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });
});
