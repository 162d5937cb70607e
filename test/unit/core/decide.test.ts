import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RecordPlacement, WorkloadRecordSpec } from '../../../src/api/workload-record.ts';
import { digestConfigMapContent, digestSecretContent, hmacKeyId, workloadChecksum } from '../../../src/core/checksum.ts';
import { DECISION_TABLE, decide, decidingCase, type DecideInput, type Decision } from '../../../src/core/decide.ts';
import { recordSources } from '../../../src/core/record.ts';
import { scopeFromKeys } from '../../../src/core/references.ts';
import type { CountedSource, WorkloadFacts } from '../../../src/core/types.ts';
import { workloadFacts } from './fixtures.ts';

const KEY = Buffer.alloc(32, 7);
const KEY_ID = hmacKeyId(KEY);
const OTHER_KEY = Buffer.alloc(32, 9);
const NOW = '2026-11-26T10:00:00.000Z';

interface SourceShape {
  kind?: 'ConfigMap' | 'Secret';
  keys?: string[];
  /** The fact store's stamp of the last content change (default 0: before start-up). */
  changedAt?: number;
  hmacKey?: Buffer;
}

function source(name: string, data: Record<string, string> | undefined, shape: SourceShape = {}): CountedSource {
  const kind = shape.kind ?? 'ConfigMap';
  const digest =
    data === undefined ? undefined : kind === 'Secret' ? digestSecretContent({ data }, shape.hmacKey ?? KEY) : digestConfigMapContent({ data });
  return { kind, name, scope: scopeFromKeys(shape.keys), digest, changedAt: shape.changedAt ?? 0 };
}

function checksumOf(sources: readonly CountedSource[]): string {
  return workloadChecksum(sources, KEY_ID);
}

/** The record confighash would have written when the pods ran with `sources`. */
function recordOf(workload: WorkloadFacts, sources: readonly CountedSource[], placement: RecordPlacement = 'Baseline', keyId = KEY_ID): WorkloadRecordSpec {
  const usesSecret = sources.some((s) => s.kind === 'Secret');
  return {
    workload: { kind: workload.kind, name: workload.name, uid: workload.uid },
    checksum: checksumOf(sources),
    placement,
    ...(usesSecret ? { keyId } : {}),
    sources: recordSources(sources),
  };
}

const casesSeen = new Set<string>();

function decideNow(input: Partial<DecideInput> & { workload: WorkloadFacts; sources: readonly CountedSource[] }): Decision {
  const full: DecideInput = {
    record: undefined,
    desired: checksumOf(input.sources),
    currentKeyId: KEY_ID,
    rollOnAdoption: false,
    now: NOW,
    ...input,
  };
  casesSeen.add(decidingCase(full));
  return decide(full);
}

const web = workloadFacts();

describe('decide: first sight', () => {
  it('records what the pods run with and writes nothing to the workload', () => {
    const sources = [source('web-config', { A: '1' })];
    const decision = decideNow({ workload: web, sources });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'Adopted');
    assert.deepEqual(decision.kind === 'record' && decision.record, recordOf(web, sources, 'Baseline'));
  });

  it('records placement Template when the pod template already carries the checksum', () => {
    const sources = [source('web-config', { A: '1' })];
    const decision = decideNow({ workload: { ...web, templateChecksum: checksumOf(sources) }, sources });
    assert.equal(decision.kind === 'record' && decision.record.placement, 'Template');
  });

  it('rolls once with --roll-on-adoption', () => {
    const sources = [source('web-config', { A: '1' })];
    const decision = decideNow({ workload: web, sources, rollOnAdoption: true });
    assert.equal(decision.kind, 'roll');
    assert.equal(decision.reason, 'RolledOnAdoption');
  });

  it('does not roll on adoption while a listed object is missing, and records it as absent', () => {
    const sources = [source('web-config', undefined)];
    const decision = decideNow({ workload: web, sources, rollOnAdoption: true });
    assert.equal(decision.kind, 'record');
    assert.deepEqual(decision.kind === 'record' && decision.record.sources, [{ kind: 'ConfigMap', name: 'web-config', absent: true }]);
  });

  it('treats a record of another UID (a workload deleted and re-created under the same name) as no record', () => {
    const sources = [source('web-config', { A: '2' })];
    const old = recordOf({ ...web, uid: 'old-uid' }, [source('web-config', { A: '1' })]);
    const decision = decideNow({ workload: web, sources, record: old });
    assert.equal(decision.reason, 'Adopted');
  });
});

describe('decide: first sight with an adoption baseline (what the pods read when confighash became responsible)', () => {
  const before = [source('web-config', { A: 'old' })];
  const baseline = recordOf(web, before);

  it('rolls once when content changed after confighash became responsible for the workload and before it was adopted', () => {
    const sources = [source('web-config', { A: 'new' }, { changedAt: 5 })];
    const decision = decideNow({ workload: web, sources, baseline });
    assert.equal(decision.kind, 'roll');
    assert.equal(decision.reason, 'ContentChanged');
    assert.equal(decision.kind === 'roll' && decision.previous, baseline.checksum);
    assert.deepEqual(decision.kind === 'roll' && decision.changes.map((c) => c.keys), [['A']]);
    assert.equal(decision.kind === 'roll' && decision.record.placement, 'Template');
    assert.equal(decision.kind === 'roll' && decision.record.lastRollout?.from, baseline.checksum);
    assert.equal(decision.kind === 'roll' && decision.record.checksum, checksumOf(sources));
  });

  it('adopts without a rollout when nothing changed since the baseline', () => {
    const decision = decideNow({ workload: web, sources: before, baseline });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'Adopted');
    assert.deepEqual(decision.kind === 'record' && decision.record, recordOf(web, before));
  });

  it('adopts without a rollout when only a key the workload does not count changed', () => {
    const counted = [source('web-config', { A: '1', B: 'old' }, { keys: ['A'] })];
    const decision = decideNow({ workload: web, sources: [source('web-config', { A: '1', B: 'new' }, { keys: ['A'], changedAt: 4 })], baseline: recordOf(web, counted) });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'Adopted');
  });

  it('records instead of rolling when the pod template already carries the new checksum', () => {
    const sources = [source('web-config', { A: 'new' }, { changedAt: 5 })];
    const decision = decideNow({ workload: { ...web, templateChecksum: checksumOf(sources) }, sources, baseline });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'AlreadyRolled');
  });

  it('records instead of rolling when the pod template changed after the content did', () => {
    const sources = [source('web-config', { A: 'new' }, { changedAt: 5 })];
    const decision = decideNow({ workload: { ...web, templateChangedAt: 6 }, sources, baseline });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'TemplateChanged');
  });

  it('waits, writing nothing, when a source of the baseline was deleted before adoption', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', undefined, { changedAt: 5 })], baseline });
    assert.equal(decision.kind, 'noop');
    assert.equal(decision.reason, 'MissingReference');
  });

  it('ignores a baseline of another UID (a workload deleted and re-created under the same name)', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', { A: 'new' }, { changedAt: 5 })], baseline: { ...baseline, workload: { ...baseline.workload, uid: 'other' } } });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'Adopted');
  });

  it('measures against the record, not the baseline, once a record exists', () => {
    const sources = [source('web-config', { A: 'new' }, { changedAt: 5 })];
    const decision = decideNow({ workload: web, sources, record: recordOf(web, sources), baseline });
    assert.equal(decision.kind, 'noop');
    assert.equal(decision.reason, 'Baselined');
  });

  it('rolls on adoption with --roll-on-adoption whatever the baseline says', () => {
    const decision = decideNow({ workload: web, sources: before, baseline, rollOnAdoption: true });
    assert.equal(decision.kind, 'roll');
    assert.equal(decision.reason, 'RolledOnAdoption');
  });

  it('rolls for a Secret changed after an HMAC key rotation made its record unreadable, and before the record was rewritten', () => {
    const cm = source('web-config', { A: '1' });
    const oldKeyRecord = recordOf(web, [cm, source('web-db', { pw: 'old' }, { kind: 'Secret', hmacKey: OTHER_KEY })], 'Baseline', hmacKeyId(OTHER_KEY));
    const rotated = recordOf(web, [cm, source('web-db', { pw: 'old' }, { kind: 'Secret' })]);
    const decision = decideNow({ workload: web, sources: [cm, source('web-db', { pw: 'new' }, { kind: 'Secret', changedAt: 3 })], record: oldKeyRecord, baseline: rotated });
    assert.equal(decision.kind, 'roll');
    assert.deepEqual(decision.kind === 'roll' && decision.changes.map((c) => c.name), ['web-db']);
  });

  it('still re-baselines without a rollout after an HMAC key rotation when no Secret changed since', () => {
    const cm = source('web-config', { A: '1' });
    const secret = source('web-db', { pw: 'same' }, { kind: 'Secret' });
    const oldKeyRecord = recordOf(web, [cm, source('web-db', { pw: 'same' }, { kind: 'Secret', hmacKey: OTHER_KEY })], 'Baseline', hmacKeyId(OTHER_KEY));
    const decision = decideNow({ workload: web, sources: [cm, secret], record: oldKeyRecord, baseline: recordOf(web, [cm, secret]) });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'Rebaselined');
  });
});

describe('decide: content changes', () => {
  it('rolls when a counted key changed, and records the rollout with the key that changed', () => {
    const before = [source('web-config', { A: '1', B: 'x' })];
    const now = [source('web-config', { A: '2', B: 'x' }, { changedAt: 5 })];
    const decision = decideNow({ workload: web, sources: now, record: recordOf(web, before) });
    assert.equal(decision.kind, 'roll');
    if (decision.kind !== 'roll') return;
    assert.equal(decision.reason, 'ContentChanged');
    assert.equal(decision.previous, checksumOf(before));
    assert.deepEqual(decision.record.lastRollout, { time: NOW, changed: ['ConfigMap web-config (A)'], from: checksumOf(before), to: checksumOf(now) });
    assert.equal(decision.record.placement, 'Template');
    assert.ok(decision.ops.some((op) => op.op === 'add' && op.value === checksumOf(now)));
  });

  it('rolls when a key is added to an object whose keys all count', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', { A: '1', B: 'new' })], record: recordOf(web, [source('web-config', { A: '1' })]) });
    assert.equal(decision.kind === 'roll' && decision.changes[0]?.keys.join(), 'B');
  });

  it('rolls when a listed object that was missing is created', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', { A: '1' }, { changedAt: 3 })], record: recordOf(web, [source('web-config', undefined)]) });
    assert.equal(decision.kind, 'roll');
    assert.deepEqual(decision.kind === 'roll' && decision.record.lastRollout?.changed, ['ConfigMap web-config (created)']);
  });

  it('does not roll when the pod template changed after the content did (one commit with a ConfigMap and an image)', () => {
    const decision = decideNow({
      workload: { ...web, templateChangedAt: 8 },
      sources: [source('web-config', { A: '2' }, { changedAt: 7 })],
      record: recordOf(web, [source('web-config', { A: '1' })]),
    });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'TemplateChanged');
    assert.equal(decision.kind === 'record' && decision.record.placement, 'Baseline');
  });

  it('rolls when the pod template changed before the content did', () => {
    const decision = decideNow({
      workload: { ...web, templateChangedAt: 6 },
      sources: [source('web-config', { A: '2' }, { changedAt: 7 })],
      record: recordOf(web, [source('web-config', { A: '1' })]),
    });
    assert.equal(decision.kind, 'roll');
  });

  it('rolls when it cannot tell which came first (the template change was found by a list)', () => {
    const decision = decideNow({
      workload: { ...web, templateChangedAt: undefined },
      sources: [source('web-config', { A: '2' }, { changedAt: 7 })],
      record: recordOf(web, [source('web-config', { A: '1' })]),
    });
    assert.equal(decision.kind, 'roll');
  });

  it('does not roll again when the template already carries the new checksum (a write whose record was not saved)', () => {
    const now = [source('web-config', { A: '2' }, { changedAt: 7 })];
    const decision = decideNow({ workload: { ...web, templateChecksum: checksumOf(now), templateChangedAt: 9 }, sources: now, record: recordOf(web, [source('web-config', { A: '1' })]) });
    assert.equal(decision.reason, 'AlreadyRolled');
    assert.equal(decision.kind === 'record' && decision.record.placement, 'Template');
  });

  it('rolls a workload replaced from Git without its checksum when the content changed too (its template did not change)', () => {
    // A baseline-only workload: `kubectl replace` of the same template changes nothing the pods see.
    const decision = decideNow({
      workload: { ...web, templateChecksum: undefined, templateChangedAt: undefined },
      sources: [source('web-config', { A: '2' }, { changedAt: 4 })],
      record: recordOf(web, [source('web-config', { A: '1' })], 'Baseline'),
    });
    assert.equal(decision.kind, 'roll');
  });

  it('waits, rolling nothing, while a counted object that existed is deleted', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', undefined)], record: recordOf(web, [source('web-config', { A: '1' })]) });
    assert.equal(decision.kind, 'noop');
    assert.equal(decision.reason, 'MissingReference');
  });
});

describe('decide: scope changes update the record and never roll', () => {
  const base = [source('web-config', { a: '1', b: '2' })];

  it('keys narrowed', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', { a: '1', b: '2' }, { keys: ['a'] })], record: recordOf(web, base) });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'ScopeChanged');
  });

  it('keys widened', () => {
    const narrowed = [source('web-config', { a: '1', b: '2' }, { keys: ['a'] })];
    const decision = decideNow({ workload: web, sources: base, record: recordOf(web, narrowed) });
    assert.equal(decision.reason, 'ScopeChanged');
  });

  it('keys narrowed, and a key that counted both times changed: rolls', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', { a: '9', b: '2' }, { keys: ['a'], changedAt: 2 })], record: recordOf(web, base) });
    assert.equal(decision.kind, 'roll');
  });

  it('a key that stopped counting changed: no rollout', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', { a: '1', b: '9' }, { keys: ['a'] })], record: recordOf(web, base) });
    assert.equal(decision.kind, 'record');
  });

  it('a source starts counting (a reference added to the template, or an AppConfig gains a source)', () => {
    const decision = decideNow({ workload: { ...web, templateChangedAt: 3 }, sources: [...base, source('web-db', { password: 's' }, { kind: 'Secret' })], record: recordOf(web, base) });
    assert.equal(decision.reason, 'ScopeChanged');
  });

  it('a source stops counting (a reference removed, or one of two AppConfigs deleted)', () => {
    const decision = decideNow({ workload: web, sources: base, record: recordOf(web, [...base, source('other', { x: '1' })]) });
    assert.equal(decision.reason, 'ScopeChanged');
  });

  it('the template switches from app-v1 to app-v2 (hash-named ConfigMaps)', () => {
    const v1 = [source('app-v1', { a: '1' })];
    const v2 = [source('app-v2', { a: '2' }, { changedAt: 4 })];
    const decision = decideNow({ workload: { ...web, templateChangedAt: 5 }, sources: v2, record: recordOf(web, v1) });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'ScopeChanged');
  });

  it('a Secret digest made under another HMAC key is not compared: the record is rewritten, nothing rolls', () => {
    const before = [source('web-db', { password: 'old' }, { kind: 'Secret', hmacKey: OTHER_KEY })];
    const now = [source('web-db', { password: 'new' }, { kind: 'Secret' })];
    const decision = decideNow({ workload: web, sources: now, record: recordOf(web, before, 'Baseline', hmacKeyId(OTHER_KEY)) });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'Rebaselined');
  });

  it('a ConfigMap change still rolls while the Secret digests are under another key', () => {
    const before = [source('web-config', { a: '1' }), source('web-db', { password: 'x' }, { kind: 'Secret', hmacKey: OTHER_KEY })];
    const now = [source('web-config', { a: '2' }, { changedAt: 3 }), source('web-db', { password: 'x' }, { kind: 'Secret' })];
    const decision = decideNow({ workload: web, sources: now, record: recordOf(web, before, 'Baseline', hmacKeyId(OTHER_KEY)) });
    assert.equal(decision.kind, 'roll');
    assert.deepEqual(decision.kind === 'roll' && decision.changes.map((c) => c.name), ['web-config']);
  });

  it('a replace that removed the checksum from the template moves the record to placement Baseline without a rollout', () => {
    const decision = decideNow({ workload: { ...web, templateChecksum: undefined, templateChangedAt: 5 }, sources: base, record: recordOf(web, base, 'Template') });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'Rebaselined');
    assert.equal(decision.kind === 'record' && decision.record.placement, 'Baseline');
  });
});

describe('decide: opt-out and rollout gates', () => {
  const before = [source('web-config', { a: '1' })];
  const after = [source('web-config', { a: '2' }, { changedAt: 3 })];

  it('writes nothing for a workload annotated confighash.dev/ignore=true, not even a record', () => {
    const decision = decideNow({ workload: { ...web, ignored: true }, sources: after, record: recordOf(web, before) });
    assert.equal(decision.kind, 'noop');
    assert.equal(decision.reason, 'Ignored');
  });

  it('holds a content change back while a gate is closed, writing nothing, and keeps it pending', () => {
    const gate = { kind: 'hold', reason: 'WouldRoll', message: 'the controller runs with --dry-run' } as const;
    const decision = decideNow({ workload: web, sources: after, record: recordOf(web, before), gate });
    assert.equal(decision.kind, 'hold');
    assert.equal(decision.reason, 'WouldRoll');
    assert.equal(decision.kind === 'hold' && decision.previous, checksumOf(before));
    assert.match(decision.message, /--dry-run/);
    // The gate opens: the same facts roll, exactly as they would have.
    assert.equal(decideNow({ workload: web, sources: after, record: recordOf(web, before) }).kind, 'roll');
  });

  it('holds a roll on adoption too, and records nothing meanwhile', () => {
    const gate = { kind: 'hold', reason: 'Waiting', message: 'not its turn' } as const;
    const decision = decideNow({ workload: web, sources: after, rollOnAdoption: true, gate });
    assert.equal(decision.kind, 'hold');
  });
});

describe('decide: nothing to do', () => {
  const base = [source('web-config', { a: '1' })];

  it('is in sync when the template carries the checksum and the record agrees', () => {
    const decision = decideNow({ workload: { ...web, templateChecksum: checksumOf(base) }, sources: base, record: recordOf(web, base, 'Template') });
    assert.equal(decision.reason, 'InSync');
  });

  it('is baselined when only the record carries it (a re-apply, a restart, a metadata-only edit)', () => {
    const decision = decideNow({ workload: web, sources: [source('web-config', { a: '1' }, { changedAt: 9 })], record: recordOf(web, base) });
    assert.equal(decision.kind, 'noop');
    assert.equal(decision.reason, 'Baselined');
  });

  it('keeps the last rollout in a record it rewrites', () => {
    const record = { ...recordOf(web, base), lastRollout: { time: NOW, changed: ['ConfigMap web-config (a)'], to: 'v1.x' } };
    const decision = decideNow({ workload: web, sources: [source('web-config', { a: '1' }, { keys: ['a'] })], record });
    assert.deepEqual(decision.kind === 'record' && decision.record.lastRollout, record.lastRollout);
  });
});

describe('decide: a record someone other than confighash wrote', () => {
  it('re-baselines a record written by another field manager instead of rolling on its digests', () => {
    const forged = recordOf(web, [source('web-config', { A: 'stale' })]);
    const now = [source('web-config', { A: '2' }, { changedAt: 5 })];
    const decision = decideNow({ workload: web, sources: now, record: forged, recordWrittenBy: ['kubectl-edit'] });
    assert.equal(decision.kind, 'record');
    assert.equal(decision.reason, 'UntrustedRecord');
    assert.deepEqual(decision.kind === 'record' && decision.record, recordOf(web, now, 'Baseline'));
    assert.match(decision.message, /written by kubectl-edit, not by confighash/);
  });

  it('does not keep a forged last rollout, nor believe a forged "already rolled" checksum', () => {
    const now = [source('web-config', { A: '2' }, { changedAt: 5 })];
    const forged = { ...recordOf(web, now, 'Template'), lastRollout: { time: NOW, changed: ['ConfigMap web-config (A)'], to: 'forged' } };
    const decision = decideNow({ workload: web, sources: now, record: forged, recordWrittenBy: ['mallory'] });
    assert.equal(decision.reason, 'UntrustedRecord');
    assert.equal(decision.kind === 'record' && decision.record.lastRollout, undefined);
    assert.equal(decision.kind === 'record' && decision.record.placement, 'Baseline', 'the template does not carry the checksum, whatever the record claimed');
  });

  it('does not roll an untrusted record even with --roll-on-adoption', () => {
    const now = [source('web-config', { A: '2' })];
    const decision = decideNow({ workload: web, sources: now, record: recordOf(web, now), recordWrittenBy: ['mallory'], rollOnAdoption: true });
    assert.equal(decision.kind, 'record');
  });

  it('trusts a record that only confighash wrote', () => {
    const before = [source('web-config', { A: '1' })];
    const now = [source('web-config', { A: '2' }, { changedAt: 5 })];
    const decision = decideNow({ workload: web, sources: now, record: recordOf(web, before), recordWrittenBy: [] });
    assert.equal(decision.reason, 'ContentChanged');
  });

  it('writes nothing for a workload opted out with confighash.dev/ignore, trusted record or not', () => {
    const now = [source('web-config', { A: '2' })];
    const decision = decideNow({ workload: { ...web, ignored: true }, sources: now, record: recordOf(web, now), recordWrittenBy: ['mallory'] });
    assert.equal(decision.reason, 'Ignored');
  });
});

after(() => {
  // Every row of the table is reached by a test above: a row no case reaches is dead or untested.
  assert.deepEqual(
    DECISION_TABLE.map((row) => row.case).filter((name) => !casesSeen.has(name)),
    [],
    'rows of the decision table that no test reaches',
  );
});
