import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideLease, microTimeMs } from '../../../src/k8s/lease-decision.ts';

const ME = 'confighash-a';
const OTHER = 'confighash-b';
const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const FALLBACK_MS = 15_000;

describe('decideLease', () => {
  it('creates the Lease when there is none', () => {
    assert.deepEqual(decideLease(undefined, ME, T0, FALLBACK_MS), { action: 'create' });
  });

  it('takes over a Lease whose holder is empty, however recently renewed', () => {
    const released = { holderIdentity: '', renewTime: '2025-06-01T12:00:00.000000Z', leaseDurationSeconds: 1 };
    assert.deepEqual(decideLease(released, ME, T0, FALLBACK_MS), {
      action: 'take-over',
      reason: 'released',
      previousHolder: '',
    });
    assert.equal(decideLease({}, ME, T0, FALLBACK_MS).action, 'take-over');
  });

  it('renews a Lease it holds, even one that has expired', () => {
    const mine = { holderIdentity: ME, renewTime: '2025-06-01T11:00:00.000000Z', leaseDurationSeconds: 15 };
    assert.deepEqual(decideLease(mine, ME, T0, FALLBACK_MS), { action: 'renew' });
  });

  it('waits while another holder is within renewTime + its leaseDurationSeconds', () => {
    const held = { holderIdentity: OTHER, renewTime: '2025-06-01T11:59:50.000000Z', leaseDurationSeconds: 30 };
    assert.deepEqual(decideLease(held, ME, T0, FALLBACK_MS), {
      action: 'wait',
      holder: OTHER,
      expiresAtMs: Date.parse('2025-06-01T12:00:20.000Z'),
    });
  });

  it("uses the Lease's own duration, not this candidate's, to decide expiry", () => {
    const shortLease = { holderIdentity: OTHER, renewTime: '2025-06-01T11:59:50.000000Z', leaseDurationSeconds: 5 };
    assert.deepEqual(decideLease(shortLease, ME, T0, 60_000), {
      action: 'take-over',
      reason: 'expired',
      previousHolder: OTHER,
    });
  });

  it('takes over only once the expiry has passed, not at the instant itself', () => {
    const held = { holderIdentity: OTHER, renewTime: new Date(T0 - 15_000), leaseDurationSeconds: 15 };
    assert.equal(decideLease(held, ME, T0, FALLBACK_MS).action, 'wait');
    assert.equal(decideLease(held, ME, T0 + 1, FALLBACK_MS).action, 'take-over');
  });

  it('falls back to the configured duration when the Lease has none', () => {
    const noDuration = { holderIdentity: OTHER, renewTime: new Date(T0 - 10_000) };
    assert.equal(decideLease(noDuration, ME, T0, 15_000).action, 'wait');
    assert.equal(decideLease(noDuration, ME, T0, 5000).action, 'take-over');
  });

  it('treats a held Lease without a readable renewTime as expired', () => {
    for (const renewTime of [undefined, 'not a time']) {
      assert.deepEqual(decideLease({ holderIdentity: OTHER, renewTime, leaseDurationSeconds: 15 }, ME, T0, FALLBACK_MS), {
        action: 'take-over',
        reason: 'expired',
        previousHolder: OTHER,
      });
    }
  });
});

describe('microTimeMs', () => {
  it('reads the microsecond strings client-node returns and Date values alike', () => {
    assert.equal(microTimeMs('2025-06-01T12:00:00.123456Z'), T0 + 123);
    assert.equal(microTimeMs(new Date(T0)), T0);
    assert.equal(microTimeMs(undefined), undefined);
  });
});
