import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken } from '../../../src/observability/secure-metrics.ts';

describe('bearerToken', () => {
  it('takes the token of an Authorization: Bearer header, whatever the scheme case', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('bearer abc'), 'abc');
  });

  it('finds none in a missing, empty, Basic or malformed header, so the scrape gets 401', () => {
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc']) {
      assert.equal(bearerToken(header), undefined, String(header));
    }
  });
});
