import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkloadRecordSpec } from '../../../src/api/workload-record.ts';
import { digestConfigMapContent } from '../../../src/core/checksum.ts';
import { contentChanges, RECORDED_DIGEST_LENGTH, recordSources, recordUpToDate } from '../../../src/core/record.ts';
import { scopeFromKeys } from '../../../src/core/references.ts';
import type { CountedSource } from '../../../src/core/types.ts';

const cm = (data: Record<string, string>, keys?: string[], changedAt = 0): CountedSource => ({
  kind: 'ConfigMap',
  name: 'web-config',
  scope: scopeFromKeys(keys),
  digest: digestConfigMapContent({ data }),
  changedAt,
});

function recordOf(sources: CountedSource[]): WorkloadRecordSpec {
  return { workload: { kind: 'Deployment', name: 'web', uid: 'u1' }, checksum: 'v1.x', placement: 'Baseline', sources: recordSources(sources) };
}

/** What the apiserver hands back: the same JSON with every object's keys sorted. */
function asStoredByApiserver<T>(value: T): T {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)])) : v;
  return sortKeys(value) as T;
}

describe('WorkloadRecord content', () => {
  it('keeps a short digest per counted key, never a value, and only the counted keys', () => {
    const [recorded] = recordSources([cm({ a: 'secret-looking value', b: '2' }, ['a'])]);
    assert.deepEqual(Object.keys(recorded?.data ?? {}), ['a']);
    assert.equal(recorded?.data?.a?.length, RECORDED_DIGEST_LENGTH);
    assert.ok(!JSON.stringify(recorded).includes('secret-looking value'));
    assert.deepEqual(recorded?.keys, ['a']);
  });

  it('is up to date when read back from the apiserver with its keys in another order', () => {
    const sources = [cm({ a: '1', b: '2' })];
    const record = recordOf(sources);
    const next = { checksum: record.checksum, placement: record.placement, sources: recordSources(sources) };
    assert.ok(recordUpToDate(asStoredByApiserver(record), next));
    assert.ok(!recordUpToDate(asStoredByApiserver(record), { ...next, sources: recordSources([cm({ a: '1', b: '3' })]) }));
  });

  it('names the keys whose content changed among those counted before and now', () => {
    const record = recordOf([cm({ a: '1', b: '2', c: '3' })]);
    const changes = contentChanges(record, [cm({ a: '1', b: '9', c: '3', d: 'new' }, ['a', 'b', 'd'], 4)], 'unused');
    // d is new in the object, and every key counted before: it appeared where the pods looked.
    assert.deepEqual(changes, [{ kind: 'ConfigMap', name: 'web-config', keys: ['b', 'd'], changedAt: 4 }]);
  });

  it('does not count a key that only entered the scope (it was there before, just not counted)', () => {
    const record = recordOf([cm({ a: '1', b: '2' }, ['a'])]);
    assert.deepEqual(contentChanges(record, [cm({ a: '1', b: '2' })], 'unused'), []);
  });

  it('counts a key that went away within the counted keys as a change', () => {
    const changes = contentChanges(recordOf([cm({ a: '1', b: '2' })]), [cm({ a: '1' })], 'unused');
    assert.deepEqual(changes.map((c) => c.keys), [['b']]);
  });
});
