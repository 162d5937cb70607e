import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfigStatus, SourceStatus, TargetStatus } from '../../../src/api/appconfig.ts';
import { buildStatus, MAX_STATUS_TARGETS, statusChanged, type StatusInput } from '../../../src/core/status.ts';

const T0 = '2025-01-01T10:00:00Z';
const T1 = '2025-01-01T10:05:00Z';
const CM = `v1.${'a'.repeat(64)}`;
const SEC = `v1.0badc0de.${'b'.repeat(64)}`;

const sources: SourceStatus[] = [
  { kind: 'Secret', name: 'web-db', checksum: SEC },
  { kind: 'ConfigMap', name: 'web-config', checksum: CM },
];
const targets: TargetStatus[] = [
  { kind: 'StatefulSet', name: 'cache', checksum: CM, reason: 'InSync' },
  { kind: 'Deployment', name: 'web', checksum: SEC, reason: 'InSync', lastRolloutTime: T0 },
  { kind: 'Deployment', name: 'api', checksum: CM, reason: 'Baselined' },
];

function input(overrides: Partial<StatusInput> = {}): StatusInput {
  return { generation: 2, previous: undefined, now: T0, specProblems: [], sources, targets, ...overrides };
}

const ready = (status: AppConfigStatus) => status.conditions?.find((c) => c.type === 'Ready');

describe('buildStatus', () => {
  it(`lists at most ${MAX_STATUS_TARGETS} targets, those needing attention first, and counts them all`, () => {
    const many: TargetStatus[] = Array.from({ length: 250 }, (_, i) => ({ kind: 'Deployment', name: `w${String(i).padStart(3, '0')}`, reason: i === 240 ? 'Pending' : 'InSync' }));
    const status = buildStatus(input({ targets: many }));
    assert.equal(status.targets?.length, MAX_STATUS_TARGETS);
    assert.equal(status.targetCount, 250);
    assert.equal(status.targetsOmitted, 150);
    assert.deepEqual(status.targets?.[0], { kind: 'Deployment', name: 'w240', reason: 'Pending' });
    assert.equal(buildStatus(input()).targetsOmitted, undefined);
  });

  it('reports Ready with counts, the observed generation and sorted sources and targets', () => {
    const status = buildStatus(input());
    assert.equal(status.observedGeneration, 2);
    assert.equal(status.sourceCount, 2);
    assert.equal(status.targetCount, 3);
    assert.deepEqual(status.sources?.map((s) => `${s.kind}/${s.name}`), ['ConfigMap/web-config', 'Secret/web-db']);
    assert.deepEqual(status.targets?.map((t) => `${t.kind}/${t.name}`), ['Deployment/api', 'Deployment/web', 'StatefulSet/cache']);
    assert.deepEqual(ready(status), {
      type: 'Ready',
      status: 'True',
      reason: 'Ready',
      message: 'Tracking 2 sources for 3 workloads',
      lastTransitionTime: T0,
      observedGeneration: 2,
    });
  });

  it('does not reorder or alter the caller’s arrays', () => {
    const mine = [...targets];
    buildStatus(input({ targets: mine }));
    assert.deepEqual(mine, targets);
  });

  it('reports a missing object by kind and name as MissingReference', () => {
    const status = buildStatus(input({ sources: [{ kind: 'Secret', name: 'web-db' }, ...sources.slice(1), { kind: 'ConfigMap', name: 'flags' }] }));
    const condition = ready(status);
    assert.equal(condition?.status, 'False');
    assert.equal(condition?.reason, 'MissingReference');
    assert.equal(condition?.message, 'Not found in this namespace: ConfigMap "flags", Secret "web-db"; create them or remove them from the spec');
    assert.deepEqual(status.sources?.find((s) => s.name === 'flags'), { kind: 'ConfigMap', name: 'flags' });
  });

  it('puts an invalid spec first, with every problem in the message', () => {
    const problems = ['spec.configMaps[1].name "web" is listed twice', 'spec lists no objects'];
    const condition = ready(buildStatus(input({ specProblems: problems, sources: [{ kind: 'ConfigMap', name: 'web' }] })));
    assert.equal(condition?.status, 'False');
    assert.equal(condition?.reason, 'InvalidSpec');
    assert.equal(condition?.message, `The spec is invalid: ${problems.join('; ')}`);
  });

  it('keeps lastTransitionTime while status and reason stay, even when the message changes', () => {
    const first = buildStatus(input());
    const later = buildStatus(input({ previous: first, now: T1, targets: targets.slice(1) }));
    assert.equal(ready(later)?.lastTransitionTime, T0);
    assert.notEqual(ready(later)?.message, ready(first)?.message);
  });

  it('moves lastTransitionTime when the reason or the status changes', () => {
    const missing = buildStatus(input({ sources: [{ kind: 'ConfigMap', name: 'x' }] }));
    const invalid = buildStatus(input({ previous: missing, now: T1, specProblems: ['bad'] }));
    assert.equal(ready(invalid)?.lastTransitionTime, T1, 'False/MissingReference → False/InvalidSpec');
    const fixed = buildStatus(input({ previous: invalid, now: '2025-01-01T10:09:00Z' }));
    assert.equal(ready(fixed)?.lastTransitionTime, '2025-01-01T10:09:00Z', 'False → True');
  });
});

describe('statusChanged', () => {
  it('sees no change when the same facts are rebuilt later, so a steady state writes nothing', () => {
    const stored = buildStatus(input());
    const again = buildStatus(input({ previous: stored, now: T1 }));
    assert.equal(statusChanged(stored, again), false);
  });

  it('sees no change after a round trip through JSON, as the API server stores it', () => {
    const next = buildStatus(input({ sources: [{ kind: 'ConfigMap', name: 'gone', checksum: undefined }] }));
    assert.equal(statusChanged(JSON.parse(JSON.stringify(next)) as AppConfigStatus, next), false);
  });

  it('sees a change in a target checksum, a count, the generation or a condition', () => {
    const stored = buildStatus(input());
    const changedTargets = targets.map((t) => (t.name === 'web' ? { ...t, checksum: CM } : t));
    assert.equal(statusChanged(stored, buildStatus(input({ previous: stored, targets: changedTargets }))), true);
    assert.equal(statusChanged(stored, buildStatus(input({ previous: stored, targets: targets.slice(1) }))), true);
    assert.equal(statusChanged(stored, buildStatus(input({ previous: stored, generation: 3 }))), true);
    assert.equal(statusChanged(stored, buildStatus(input({ previous: stored, specProblems: ['bad'] }))), true);
  });

  it('sees a change when nothing was stored yet, or when the stored status has fields it would drop', () => {
    const next = buildStatus(input());
    assert.equal(statusChanged(undefined, next), true);
    assert.equal(statusChanged({}, next), true);
    assert.equal(statusChanged({ ...next, sourceCount: undefined }, next), true);
    assert.equal(statusChanged({ ...next, stale: 1 } as AppConfigStatus, next), true);
  });
});
