import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { V1MicroTime } from '@kubernetes/client-node';
import { heldLeaseSpec, releasedLeaseSpec } from '../../../src/k8s/lease-spec.ts';

const T0 = Date.parse('2025-06-01T12:00:00.123Z');

describe('heldLeaseSpec', () => {
  it('writes times with the microsecond precision the apiserver requires for MicroTime', () => {
    const spec = heldLeaseSpec(undefined, 'a', T0, 15_000);
    assert.ok(spec.renewTime instanceof V1MicroTime);
    assert.match(JSON.stringify(spec), /"renewTime":"2025-06-01T12:00:00\.123000Z"/);
    assert.match(JSON.stringify(spec), /"acquireTime":"2025-06-01T12:00:00\.123000Z"/);
  });

  it('starts a new Lease at zero transitions with the duration in whole seconds', () => {
    const spec = heldLeaseSpec(undefined, 'a', T0, 15_000);
    assert.equal(spec.holderIdentity, 'a');
    assert.equal(spec.leaseDurationSeconds, 15);
    assert.equal(spec.leaseTransitions, 0);
  });

  it('keeps acquireTime and the transition count when renewing its own Lease', () => {
    const previous = {
      holderIdentity: 'a',
      acquireTime: '2025-06-01T11:00:00.000000Z' as unknown as V1MicroTime,
      renewTime: '2025-06-01T11:59:58.000000Z' as unknown as V1MicroTime,
      leaseDurationSeconds: 15,
      leaseTransitions: 3,
    };
    const spec = heldLeaseSpec(previous, 'a', T0, 15_000);
    assert.equal(spec.acquireTime?.toISOString(), '2025-06-01T11:00:00.000000Z');
    assert.equal(spec.renewTime?.toISOString(), '2025-06-01T12:00:00.123000Z');
    assert.equal(spec.leaseTransitions, 3);
  });

  it('counts a transition and restarts acquireTime when taking over from another holder', () => {
    const previous = { holderIdentity: 'b', leaseTransitions: 3, acquireTime: new V1MicroTime(0) };
    const spec = heldLeaseSpec(previous, 'a', T0, 15_000);
    assert.equal(spec.holderIdentity, 'a');
    assert.equal(spec.leaseTransitions, 4);
    assert.equal(spec.acquireTime?.getTime(), T0);
  });
});

describe('releasedLeaseSpec', () => {
  it('clears the holder and shortens the duration to 1s so a successor need not wait', () => {
    const spec = releasedLeaseSpec({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 2 }, T0);
    assert.equal(spec.holderIdentity, '');
    assert.equal(spec.leaseDurationSeconds, 1);
    assert.equal(spec.leaseTransitions, 2);
    assert.match(JSON.stringify(spec), /"renewTime":"2025-06-01T12:00:00\.123000Z"/);
  });
});
