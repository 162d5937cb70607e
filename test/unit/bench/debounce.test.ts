import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debounceFlags, debounceSettings } from '../../../bench/debounce.ts';
import { DEFAULTS } from '../../../src/config.ts';

test('without debounce flags the burst reports the controller\'s default quiet period and no flags', () => {
  const settings = debounceSettings(['--all-namespaces']);
  assert.deepEqual(settings.debounce_flags, []);
  assert.equal(settings.debounce_s, DEFAULTS.debounceMs / 1000);
  assert.equal(settings.debounce_max_s, DEFAULTS.debounceMaxMs / 1000);
});

test('debounce flags are reported with their values, in either spelling', () => {
  assert.deepEqual(debounceFlags(['-A', '--debounce=2s', '--debounce-max', '5s', '--concurrency', '4']), ['--debounce=2s', '--debounce-max', '5s']);
  assert.deepEqual(debounceFlags(['--debouncer', 'x']), []);
  assert.equal(debounceSettings(['--all-namespaces', '--debounce', '0']).debounce_s, 0);
  assert.equal(debounceSettings(['--all-namespaces', '--debounce-max', '0']).debounce_max_s, 0);
});
