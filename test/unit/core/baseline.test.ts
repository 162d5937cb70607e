import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedSource, WorkloadRecordSpec } from '../../../src/api/workload-record.ts';
import { extendBaseline, knownContent, recordTellsContent } from '../../../src/core/baseline.ts';

const workload = { kind: 'Deployment' as const, name: 'web', uid: 'u1' };
const cm = (name: string, digest: string): RecordedSource => ({ kind: 'ConfigMap', name, data: { A: digest } });
const secret = (name: string, digest: string): RecordedSource => ({ kind: 'Secret', name, data: { pw: digest } });
const spec = (sources: RecordedSource[], keyId?: string): WorkloadRecordSpec => ({ workload, checksum: 'c', placement: 'Baseline', ...(keyId ? { keyId } : {}), sources });

describe('adoption baselines', () => {
  it('a record without Secrets, or made under the current key, tells what the pods read; one under another key does not', () => {
    assert.equal(recordTellsContent(spec([cm('a', '1')]), 'k2'), true);
    assert.equal(recordTellsContent(spec([secret('s', '1')], 'k2'), 'k2'), true);
    assert.equal(recordTellsContent(spec([secret('s', '1')], 'k1'), 'k2'), false);
    assert.equal(recordTellsContent(undefined, 'k2'), false);
  });

  it('measures against the baseline when there is no record, and against a usable record whatever the baseline says', () => {
    const baseline = spec([cm('a', 'old')]);
    const record = spec([cm('a', 'new')]);
    assert.equal(knownContent(undefined, baseline, 'k2'), baseline);
    assert.equal(knownContent(record, baseline, 'k2'), record);
    assert.equal(knownContent(undefined, undefined, 'k2'), undefined);
  });

  it('after a key rotation, takes the ConfigMaps from the record and the Secrets from the baseline made under the new key', () => {
    const record = spec([cm('a', 'while-down'), secret('s', 'old-key')], 'k1');
    const baseline = spec([cm('a', 'at-sync'), secret('s', 'new-key')], 'k2');
    assert.deepEqual(knownContent(record, baseline, 'k2'), spec([cm('a', 'while-down'), secret('s', 'new-key')], 'k2'));
  });

  it('keeps a record made under another key when no baseline under the current key exists (it is re-baselined, not compared)', () => {
    const record = spec([secret('s', 'old-key')], 'k1');
    assert.equal(knownContent(record, undefined, 'k2'), record);
    assert.equal(knownContent(record, spec([secret('s', 'x')], 'k0'), 'k2'), record);
  });

  it('extends a baseline with sources that began to count, keeping the content the others had when it was taken', () => {
    const baseline = spec([cm('a', 'old')]);
    const fresh = spec([cm('a', 'new'), secret('s', 'now')], 'k2');
    assert.deepEqual(extendBaseline(baseline, fresh), spec([cm('a', 'old'), secret('s', 'now')], 'k2'));
    assert.equal(extendBaseline(baseline, spec([cm('a', 'new')])), baseline, 'nothing new: the same baseline');
    assert.equal(extendBaseline(baseline, spec([cm('a', 'new'), { kind: 'ConfigMap', name: 'later', absent: true }])), baseline, 'a source that does not exist yet counts from its creation');
  });
});
