import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiException,
  type ConfigurationOptions,
  type CoordinationV1Api,
  type RequestContext,
  type V1Lease,
} from '@kubernetes/client-node';
import { runLeaderElection } from '../../../src/k8s/leader-election.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { Clock } from '../../../src/clock.ts';
import { FakeClock, settle } from '../../support/fake-clock.ts';

/**
 * A stand-in for the apiserver's Lease storage with its one rule that matters
 * here: a write carrying a stale resourceVersion fails with 409. Objects go
 * through JSON as on the wire, so MicroTime fields come back as strings.
 * (The real apiserver is exercised by the integration suite.)
 *
 * `unavailable` answers every call with 503; a candidate in `cutOff` gets
 * requests that hang until the caller aborts them, as when the apiserver is
 * frozen or the network drops packets.
 */
class LeaseStore {
  stored: V1Lease | undefined;
  unavailable = false;
  readonly cutOff = new Set<string>();
  #version = 0;

  apiFor(identity: string): CoordinationV1Api {
    const gate = async (options: ConfigurationOptions | undefined): Promise<void> => {
      if (this.cutOff.has(identity)) await hangUntilAborted(options);
      if (this.unavailable) throw status(503);
    };
    return {
      readNamespacedLease: async (_: unknown, options?: ConfigurationOptions): Promise<V1Lease> => {
        await gate(options);
        if (!this.stored) throw status(404);
        return wire(this.stored);
      },
      createNamespacedLease: async ({ body }: { body: V1Lease }, options?: ConfigurationOptions): Promise<V1Lease> => {
        await gate(options);
        if (this.stored) throw status(409);
        return this.#store(body);
      },
      replaceNamespacedLease: async ({ body }: { body: V1Lease }, options?: ConfigurationOptions): Promise<V1Lease> => {
        await gate(options);
        if (body.metadata?.resourceVersion !== this.stored?.metadata?.resourceVersion) throw status(409);
        return this.#store(body);
      },
    } as unknown as CoordinationV1Api;
  }

  #store(body: V1Lease): V1Lease {
    const lease = wire(body);
    lease.metadata = { ...lease.metadata, resourceVersion: String(++this.#version) };
    this.stored = lease;
    return wire(lease);
  }
}

/** Never answers; rejects once the AbortSignal that abortableRequest put into the options aborts. */
function hangUntilAborted(options: ConfigurationOptions | undefined): Promise<never> {
  let signal: AbortSignal | undefined;
  for (const middleware of options?.middleware ?? []) {
    void middleware.pre({ setSignal: (s: AbortSignal) => (signal = s) } as unknown as RequestContext);
  }
  if (!signal) throw new Error('the request carries no AbortSignal: it could hang forever');
  const aborting = signal;
  return new Promise((_, reject) => {
    if (aborting.aborted) reject(aborting.reason as Error);
    aborting.addEventListener('abort', () => reject(aborting.reason as Error), { once: true });
  });
}

/** A replica's clock: the shared fake time shifted by a fixed offset, with the shared timers. */
function skewedClock(base: FakeClock, offsetMs: number): Clock {
  return {
    now: () => base.now() + offsetMs,
    setTimeout: (callback, ms) => base.setTimeout(callback, ms),
    clearTimeout: (handle) => base.clearTimeout(handle),
  };
}

function wire(lease: V1Lease): V1Lease {
  return JSON.parse(JSON.stringify(lease)) as V1Lease;
}

function status(code: number): ApiException<string> {
  return new ApiException(code, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', code }), {});
}

const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 };

interface CandidateOptions {
  /** How far this replica's clock is off the shared fake time. */
  clockOffsetMs?: number;
  timing?: typeof TIMING;
}

function candidate(store: LeaseStore, clock: FakeClock, identity: string, opts: CandidateOptions = {}) {
  const controller = new AbortController();
  const events: string[] = [];
  /** The shared fake time (not the replica's skewed clock) of each event. */
  const at: Record<string, number> = {};
  const record = (event: string) => {
    events.push(event);
    at[event] = clock.now();
  };
  const done = runLeaderElection({
    api: store.apiFor(identity),
    namespace: 'confighash-system',
    name: 'confighash-controller',
    identity,
    ...(opts.timing ?? TIMING),
    logger: createLogger('silent'),
    clock: opts.clockOffsetMs ? skewedClock(clock, opts.clockOffsetMs) : clock,
    signal: controller.signal,
    onStartedLeading: () => record('started'),
    onStoppedLeading: () => record('stopped'),
  });
  return { controller, events, at, done };
}

const HOUR_MS = 3_600_000;

describe('runLeaderElection', () => {
  it('creates the Lease when none exists, leads, and renews it every retry period', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await settle();
    assert.deepEqual(a.events, ['started']);
    assert.equal(store.stored?.spec?.holderIdentity, 'a');
    assert.equal(store.stored?.spec?.leaseDurationSeconds, 15);
    const firstRenew = String(store.stored?.spec?.renewTime);
    assert.match(firstRenew, /\.\d{6}Z$/, 'renewTime is sent as a MicroTime');

    await clock.advance(2000);
    assert.notEqual(String(store.stored?.spec?.renewTime), firstRenew);
    a.controller.abort();
    await a.done;
  });

  it('lets exactly one of two candidates lead, and the other take over once it releases', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    await clock.advance(10_000);
    assert.deepEqual([a.events, b.events], [['started'], []]);

    a.controller.abort();
    await a.done;
    assert.equal(store.stored?.spec?.holderIdentity, '', 'the leader released the Lease');
    assert.equal(store.stored?.spec?.leaseDurationSeconds, 1);
    assert.deepEqual(a.events, ['started'], 'onStoppedLeading is not called for a requested stop');

    await clock.advance(2000);
    assert.deepEqual(b.events, ['started']);
    assert.equal(store.stored?.spec?.holderIdentity, 'b');
    assert.equal(store.stored?.spec?.leaseTransitions, 1);
    b.controller.abort();
    await b.done;
  });

  it('takes over a Lease whose holder stopped renewing once it saw it unchanged for leaseDuration, however old its renewTime', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    store.stored = wire({
      metadata: { name: 'confighash-controller', namespace: 'confighash-system', resourceVersion: '0' },
      spec: { holderIdentity: 'gone', renewTime: new Date(clock.now() - HOUR_MS), leaseDurationSeconds: 15 },
    });
    const a = candidate(store, clock, 'a');
    await clock.advance(14_000);
    assert.deepEqual(a.events, []);
    await clock.advance(2000);
    assert.deepEqual(a.events, ['started']);
    a.controller.abort();
    await a.done;
  });

  it('stops leading when renewals fail for the renew deadline, and not before', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await settle();
    store.unavailable = true;
    await clock.advance(8000);
    assert.deepEqual(a.events, ['started'], 'still leading after 8s of failed renewals');
    await clock.advance(2000);
    assert.deepEqual(a.events, ['started', 'stopped']);
    await a.done;
  });

  it('keeps leading through failed renewals that recover within the deadline', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await settle();
    store.unavailable = true;
    await clock.advance(6000);
    store.unavailable = false;
    await clock.advance(20_000);
    assert.deepEqual(a.events, ['started']);
    a.controller.abort();
    await a.done;
  });

  it('stops leading at once when another replica holds the Lease', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await settle();
    const stolen = wire(store.stored!);
    stolen.spec = { ...stolen.spec, holderIdentity: 'intruder', renewTime: new Date(clock.now()) };
    store.stored = stolen;
    await clock.advance(2000);
    assert.deepEqual(a.events, ['started', 'stopped']);
    await a.done;
    assert.equal(store.stored?.spec?.holderIdentity, 'intruder', 'a lost leader does not release');
  });

  it('stops leading exactly at the renew deadline, also when it falls between two retry periods', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    // Valid for client-go (5s > 1.2 × 4s), and a retry after the deadline would land past leaseDuration.
    const timing = { leaseDurationMs: 6000, renewDeadlineMs: 5000, retryPeriodMs: 4000 };
    const a = candidate(store, clock, 'a', { timing });
    await settle();
    const acquiredAt = clock.now();
    store.unavailable = true;
    await clock.advance(4999);
    assert.deepEqual(a.events, ['started']);
    await clock.advance(1);
    assert.deepEqual(a.events, ['started', 'stopped']);
    assert.equal(a.at.stopped! - acquiredAt, 5000);
    await a.done;
  });

  it('stops leading at the renew deadline when its requests hang (a frozen apiserver), not when they return', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    await clock.advance(4000);
    const lastRenewalAt = clock.now();
    store.cutOff.add('a');
    await clock.advance(9999);
    assert.deepEqual(a.events, ['started']);
    await clock.advance(1);
    assert.deepEqual(a.events, ['started', 'stopped']);
    assert.equal(a.at.stopped! - lastRenewalAt, TIMING.renewDeadlineMs);
    await a.done;
  });

  for (const [label, offsetMs] of [
    ['1 hour ahead', HOUR_MS],
    ['1 hour behind', -HOUR_MS],
  ] as const) {
    it(`a follower whose clock runs ${label} never takes the Lease from a leader that keeps renewing it`, async () => {
      const clock = new FakeClock();
      const store = new LeaseStore();
      const a = candidate(store, clock, 'a');
      await settle();
      const b = candidate(store, clock, 'b', { clockOffsetMs: offsetMs });
      await clock.advance(600_000);
      assert.deepEqual([a.events, b.events], [['started'], []]);
      assert.equal(store.stored?.spec?.holderIdentity, 'a');
      a.controller.abort();
      b.controller.abort();
      await Promise.all([a.done, b.done]);
    });

    it(`a leader cut off from the apiserver stops leading before a follower ${label} takes over`, async () => {
      const clock = new FakeClock();
      const store = new LeaseStore();
      const a = candidate(store, clock, 'a', { clockOffsetMs: -offsetMs });
      await settle();
      const b = candidate(store, clock, 'b', { clockOffsetMs: offsetMs });
      await clock.advance(7000);
      store.cutOff.add('a');
      await clock.advance(30_000);
      assert.deepEqual([a.events, b.events], [['started', 'stopped'], ['started']]);
      assert.ok(a.at.stopped! < b.at.started!, `a stopped at ${a.at.stopped}, b started at ${b.at.started}`);
      assert.ok(b.at.started! - a.at.stopped! >= TIMING.leaseDurationMs - TIMING.renewDeadlineMs, 'with leaseDuration - renewDeadline to spare');
      assert.equal(store.stored?.spec?.holderIdentity, 'b');
      b.controller.abort();
      await Promise.all([a.done, b.done]);
    });
  }
});
