import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { BASELINE_ANNOTATION, CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { decide, type Decision } from '../../../src/core/decide.ts';
import { applyAsServer, deployment, factsOf } from './fixtures.ts';

const KEY_ID = '0badc0de';
const LOST_KEY_ID = 'deadbeef';
const A = `v1.${KEY_ID}.${'a'.repeat(64)}`;
const B = `v1.${KEY_ID}.${'b'.repeat(64)}`;
const A_UNDER_LOST_KEY = `v1.${LOST_KEY_ID}.${'a'.repeat(64)}`;

function decideFor(object: V1Deployment, desired: string, rollOnAdoption = false): Decision {
  return decide({ desired, workload: factsOf(object), currentKeyId: KEY_ID, rollOnAdoption });
}

/** Carries out a decision as the reconciler would; a noop writes nothing. */
function carryOut(object: V1Deployment, decision: Decision): V1Deployment {
  return decision.kind === 'noop' ? object : applyAsServer(object, decision.ops);
}

const templateChecksum = (object: V1Deployment): string | undefined =>
  object.spec?.template.metadata?.annotations?.[CHECKSUM_ANNOTATION];
const baseline = (object: V1Deployment): string | undefined => object.metadata?.annotations?.[BASELINE_ANNOTATION];

describe('decide', () => {
  it('does nothing when the pod template already carries the desired checksum', () => {
    const decision = decideFor(deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: A } }), A);
    assert.deepEqual({ kind: decision.kind, reason: decision.reason, checksum: decision.checksum }, { kind: 'noop', reason: 'InSync', checksum: A });
  });

  it('adopts a workload it has never seen by recording a baseline, without rolling it', () => {
    const before = deployment();
    const decision = decideFor(before, A);
    assert.equal(decision.kind, 'baseline');
    assert.equal(decision.reason, 'Adopted');
    const after = carryOut(before, decision);
    assert.equal(baseline(after), A);
    assert.deepEqual(after.spec, before.spec, 'pod template untouched: no rollout');
  });

  it('rolls a workload it has never seen when roll-on-adoption is enabled', () => {
    const before = deployment();
    const decision = decideFor(before, A, true);
    assert.equal(decision.kind, 'roll');
    assert.equal(decision.reason, 'RolledOnAdoption');
    assert.equal(decision.kind === 'roll' ? decision.previous : 'n/a', undefined);
    assert.equal(templateChecksum(carryOut(before, decision)), A);
  });

  it('does not roll after the HMAC key was lost: it re-baselines, even with roll-on-adoption', () => {
    const before = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: A_UNDER_LOST_KEY } });
    for (const rollOnAdoption of [false, true]) {
      const decision = decideFor(before, A, rollOnAdoption);
      assert.equal(decision.kind, 'baseline');
      assert.equal(decision.reason, 'Rebaselined');
      const after = carryOut(before, decision);
      assert.equal(templateChecksum(after), A_UNDER_LOST_KEY);
      assert.equal(baseline(after), A);
    }
  });

  it('does not roll when the checksum format version changed', () => {
    for (const old of [`v0.${'a'.repeat(40)}`, `v2.${'a'.repeat(64)}`, 'sha256:abc', 'written-by-hand']) {
      const decision = decideFor(deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: old } }), A, true);
      assert.equal(decision.kind, 'baseline', old);
      assert.equal(decision.reason, 'Rebaselined', old);
    }
  });

  it('does not roll a once-adopted workload whose baseline was made under a lost key, even with roll-on-adoption', () => {
    const before = deployment({ annotations: { [BASELINE_ANNOTATION]: A_UNDER_LOST_KEY } });
    const decision = decideFor(before, A, true);
    assert.equal(decision.kind, 'baseline');
    assert.equal(decision.reason, 'Rebaselined');
    assert.equal(baseline(carryOut(before, decision)), A);
  });

  it('does nothing while the content matches the recorded baseline', () => {
    const decision = decideFor(deployment({ annotations: { [BASELINE_ANNOTATION]: A } }), A, true);
    assert.equal(decision.kind, 'noop');
    assert.equal(decision.reason, 'Baselined');
  });

  it('rolls when content changed since the baseline, and drops the baseline in the same patch', () => {
    const before = deployment({ annotations: { [BASELINE_ANNOTATION]: A, other: 'kept' } });
    const decision = decideFor(before, B);
    assert.equal(decision.kind, 'roll');
    assert.equal(decision.reason, 'ContentChanged');
    assert.equal(decision.kind === 'roll' ? decision.previous : undefined, A);
    const after = carryOut(before, decision);
    assert.equal(templateChecksum(after), B);
    assert.deepEqual(after.metadata?.annotations, { other: 'kept' });
  });

  it('rolls when content changed since the checksum on the pod template', () => {
    const before = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: A } });
    const decision = decideFor(before, B);
    assert.equal(decision.reason, 'ContentChanged');
    assert.equal(decision.kind === 'roll' ? decision.previous : undefined, A);
    assert.equal(templateChecksum(carryOut(before, decision)), B);
  });

  it('compares an unkeyed checksum whatever the current key', () => {
    const noSecret = `v1.${'c'.repeat(64)}`;
    const decision = decideFor(deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: noSecret } }), A);
    assert.equal(decision.reason, 'ContentChanged');
  });

  it('prefers a comparable pod-template checksum over a stale baseline', () => {
    const before = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: A }, annotations: { [BASELINE_ANNOTATION]: B } });
    assert.equal(decideFor(before, A).reason, 'InSync');
    const decision = decideFor(before, B);
    assert.equal(decision.reason, 'ContentChanged');
    assert.equal(baseline(carryOut(before, decision)), undefined);
  });

  it('names the workload in its message', () => {
    assert.match(decideFor(deployment(), A).message, /Deployment shop\/web/);
  });

  it('explains a re-baseline without quoting a value it cannot parse', () => {
    const lost = decideFor(deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: A_UNDER_LOST_KEY } }), A);
    assert.match(lost.message, new RegExp(`made under HMAC key ${LOST_KEY_ID}, not the current key ${KEY_ID}`));
    const format = decideFor(deployment({ annotations: { [BASELINE_ANNOTATION]: 'v9.abc' } }), A);
    assert.match(format.message, /baseline in format v9, not v1/);
    const junk = decideFor(deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: 'password=hunter2' } }), A);
    assert.match(junk.message, /not a confighash checksum/);
    assert.doesNotMatch(junk.message, /hunter2/);
  });

  it('rolls exactly once per content change over a workload lifetime, and never for a key change', () => {
    let object = deployment();
    const steps: [desired: string, currentKeyId: string, expected: string][] = [
      [A, KEY_ID, 'Adopted'],
      [A, KEY_ID, 'Baselined'],
      [B, KEY_ID, 'ContentChanged'],
      [B, KEY_ID, 'InSync'],
      [`v1.${LOST_KEY_ID}.${'d'.repeat(64)}`, LOST_KEY_ID, 'Rebaselined'],
      [`v1.${LOST_KEY_ID}.${'d'.repeat(64)}`, LOST_KEY_ID, 'Baselined'],
      [`v1.${LOST_KEY_ID}.${'e'.repeat(64)}`, LOST_KEY_ID, 'ContentChanged'],
      [`v1.${LOST_KEY_ID}.${'e'.repeat(64)}`, LOST_KEY_ID, 'InSync'],
    ];
    const rollouts: string[] = [];
    for (const [desired, currentKeyId, expected] of steps) {
      const decision = decide({ desired, workload: factsOf(object), currentKeyId, rollOnAdoption: false });
      assert.equal(decision.reason, expected, `${expected} at ${desired}`);
      const generation = object.metadata?.generation;
      object = carryOut(object, decision);
      if (object.metadata?.generation !== generation) rollouts.push(desired);
    }
    assert.deepEqual(rollouts, [B, `v1.${LOST_KEY_ID}.${'e'.repeat(64)}`]);
  });

  it('writes nothing while a listed object is missing from a workload that already has a checksum', () => {
    const before = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: A } });
    const decision = decide({ desired: B, workload: factsOf(before), currentKeyId: KEY_ID, rollOnAdoption: false, missing: ['ConfigMap/web'] });
    assert.equal(decision.kind, 'noop');
    assert.equal(decision.reason, 'MissingReference');
    assert.match(decision.message, /ConfigMap\/web/);
  });

  it('adopts a workload whose listed object is missing by recording a baseline, even with roll-on-adoption', () => {
    const before = deployment();
    const decision = decide({ desired: A, workload: factsOf(before), currentKeyId: KEY_ID, rollOnAdoption: true, missing: ['Secret/db'] });
    assert.equal(decision.kind, 'baseline');
    const after = carryOut(before, decision);
    assert.equal(baseline(after), A);
    assert.deepEqual(after.spec, before.spec, 'pod template untouched: no rollout');
  });
});
