import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideLease,
  leaseRecord,
  microTimeMs,
  observeLease,
  type LeaseDecision,
  type LeaseObservation,
  type LeaseState,
} from '../../../src/k8s/lease-decision.ts';

const ME = 'confighash-a';
const OTHER = 'confighash-b';
const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const FALLBACK_MS = 15_000;
const HOUR_MS = 3_600_000;

/** A Lease as the holder writes it: renewTime from the holder's clock, as a MicroTime string. */
function heldBy(holder: string, holderNowMs: number, leaseDurationSeconds = 15, leaseTransitions = 0): LeaseState {
  const renewTime = new Date(holderNowMs).toISOString().replace('Z', '000Z');
  return { holderIdentity: holder, acquireTime: '2025-06-01T11:00:00.000000Z', renewTime, leaseDurationSeconds, leaseTransitions };
}

/** A candidate that reads the Lease now and then: it keeps its observation between reads, as runLeaderElection does. */
class Reader {
  observed: LeaseObservation | undefined;
  read(lease: LeaseState | undefined, localNowMs: number): LeaseDecision {
    this.observed = observeLease(this.observed, lease, localNowMs);
    return decideLease(lease, ME, this.observed, localNowMs, FALLBACK_MS);
  }
}

describe('decideLease', () => {
  it('creates the Lease when there is none', () => {
    assert.deepEqual(new Reader().read(undefined, T0), { action: 'create' });
  });

  it('takes over a Lease whose holder is empty, however recently renewed', () => {
    const released = { holderIdentity: '', renewTime: '2025-06-01T12:00:00.000000Z', leaseDurationSeconds: 1 };
    assert.deepEqual(new Reader().read(released, T0), { action: 'take-over', reason: 'released', previousHolder: '' });
    assert.equal(new Reader().read({}, T0).action, 'take-over');
  });

  it('renews a Lease it holds, whatever its renewTime says', () => {
    assert.deepEqual(new Reader().read(heldBy(ME, T0 - HOUR_MS), T0), { action: 'renew' });
  });

  it('waits a full leaseDuration on its own clock after first seeing a held Lease, however old its renewTime', () => {
    const reader = new Reader();
    const stale = heldBy(OTHER, T0 - HOUR_MS, 30);
    assert.deepEqual(reader.read(stale, T0), { action: 'wait', holder: OTHER, expiresInMs: 30_000 });
    assert.deepEqual(reader.read(stale, T0 + 10_000), { action: 'wait', holder: OTHER, expiresInMs: 20_000 });
  });

  it('takes over only once the record has been unchanged for longer than leaseDuration, not at the instant itself', () => {
    const reader = new Reader();
    const lease = heldBy(OTHER, T0);
    reader.read(lease, T0);
    assert.equal(reader.read(lease, T0 + 15_000).action, 'wait');
    assert.deepEqual(reader.read(lease, T0 + 15_001), { action: 'take-over', reason: 'expired', previousHolder: OTHER });
  });

  it('restarts the wait whenever any field of the record changes', () => {
    const changes: LeaseState[] = [
      { ...heldBy(OTHER, T0), renewTime: '2025-06-01T12:00:05.000000Z' },
      { ...heldBy(OTHER, T0), leaseTransitions: 1 },
      { ...heldBy(OTHER, T0), acquireTime: '2025-06-01T11:30:00.000000Z' },
      { ...heldBy(OTHER, T0), leaseDurationSeconds: 16 },
      { ...heldBy(OTHER, T0), holderIdentity: 'confighash-c' },
    ];
    for (const changed of changes) {
      const reader = new Reader();
      reader.read(heldBy(OTHER, T0), T0);
      assert.equal(reader.read(changed, T0 + 14_000).action, 'wait');
      assert.equal(reader.read(changed, T0 + 20_000).action, 'wait', `changed record ${leaseRecord(changed)} restarts the wait`);
    }
  });

  it("uses the Lease's own duration, not this candidate's, to decide expiry", () => {
    const reader = new Reader();
    const shortLease = heldBy(OTHER, T0, 5);
    reader.read(shortLease, T0);
    assert.equal(decideLease(shortLease, ME, reader.observed, T0 + 5001, 60_000).action, 'take-over');
  });

  it('falls back to the configured duration when the Lease has none', () => {
    const noDuration = { holderIdentity: OTHER, renewTime: '2025-06-01T12:00:00.000000Z' };
    const observed = observeLease(undefined, noDuration, T0);
    assert.equal(decideLease(noDuration, ME, observed, T0 + 10_000, 15_000).action, 'wait');
    assert.equal(decideLease(noDuration, ME, observed, T0 + 10_000, 5000).action, 'take-over');
  });

  it('judges a held Lease without a readable renewTime by what it observed, like any other', () => {
    for (const renewTime of [undefined, 'not a time']) {
      const reader = new Reader();
      const lease = { holderIdentity: OTHER, renewTime, leaseDurationSeconds: 15 };
      assert.equal(reader.read(lease, T0).action, 'wait');
      assert.equal(reader.read(lease, T0 + 15_001).action, 'take-over');
    }
  });

  it('counts a record it has not observed as first seen now', () => {
    const stale = observeLease(undefined, heldBy(OTHER, T0), T0);
    const newer = heldBy(OTHER, T0 + 2000);
    assert.deepEqual(decideLease(newer, ME, stale, T0 + 60_000, FALLBACK_MS), { action: 'wait', holder: OTHER, expiresInMs: 15_000 });
  });
});

describe('leader election under clock skew (simulated replicas, one shared real time)', () => {
  const RETRY_MS = 2000;

  for (const [label, followerOffsetMs] of [
    ['1 hour ahead of', HOUR_MS],
    ['1 hour behind', -HOUR_MS],
  ] as const) {
    it(`a follower whose clock runs ${label} the holder's never takes a Lease the holder keeps renewing`, () => {
      const follower = new Reader();
      // Ten minutes of real time: the holder renews every retry period, the follower reads at odd moments in between.
      for (let realMs = T0; realMs < T0 + 600_000; realMs += RETRY_MS) {
        const decision = follower.read(heldBy(OTHER, realMs), realMs + 700 + followerOffsetMs);
        assert.equal(decision.action, 'wait', `took over at ${(realMs - T0) / 1000}s`);
      }
    });

    it(`a follower whose clock runs ${label} the holder's takes over after leaseDuration of silence on its own clock`, () => {
      const follower = new Reader();
      const lastRenewal = heldBy(OTHER, T0);
      follower.read(lastRenewal, T0 + 100 + followerOffsetMs);
      let realMs = T0 + 100;
      while (follower.read(lastRenewal, realMs + followerOffsetMs).action === 'wait') realMs += RETRY_MS / 4;
      assert.equal(realMs - (T0 + 100), 15_500, 'the first read past 15s of silence takes over');
    });
  }
});

describe('microTimeMs', () => {
  it('reads the microsecond strings client-node returns and Date values alike', () => {
    assert.equal(microTimeMs('2025-06-01T12:00:00.123456Z'), T0 + 123);
    assert.equal(microTimeMs(new Date(T0)), T0);
    assert.equal(microTimeMs(undefined), undefined);
  });
});
