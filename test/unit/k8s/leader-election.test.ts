import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { runLeaderElection } from '../../../src/k8s/leader-election.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { FakeClock, settle } from '../../support/fake-clock.ts';

/**
 * A stand-in for the apiserver's Lease storage with its one rule that matters
 * here: a write carrying a stale resourceVersion fails with 409. Objects go
 * through JSON as on the wire, so MicroTime fields come back as strings.
 * (The real apiserver is exercised by the integration suite.)
 */
class LeaseStore {
  stored: V1Lease | undefined;
  unavailable = false;
  #version = 0;

  readonly api = {
    readNamespacedLease: async (): Promise<V1Lease> => {
      this.#failIfUnavailable();
      if (!this.stored) throw status(404);
      return wire(this.stored);
    },
    createNamespacedLease: async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
      this.#failIfUnavailable();
      if (this.stored) throw status(409);
      return this.#store(body);
    },
    replaceNamespacedLease: async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
      this.#failIfUnavailable();
      if (body.metadata?.resourceVersion !== this.stored?.metadata?.resourceVersion) throw status(409);
      return this.#store(body);
    },
  } as unknown as CoordinationV1Api;

  #store(body: V1Lease): V1Lease {
    const lease = wire(body);
    lease.metadata = { ...lease.metadata, resourceVersion: String(++this.#version) };
    this.stored = lease;
    return wire(lease);
  }

  #failIfUnavailable(): void {
    if (this.unavailable) throw status(503);
  }
}

function wire(lease: V1Lease): V1Lease {
  return JSON.parse(JSON.stringify(lease)) as V1Lease;
}

function status(code: number): ApiException<string> {
  return new ApiException(code, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', code }), {});
}

const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 };

function candidate(store: LeaseStore, clock: FakeClock, identity: string) {
  const controller = new AbortController();
  const events: string[] = [];
  const done = runLeaderElection({
    api: store.api,
    namespace: 'confighash-system',
    name: 'confighash-controller',
    identity,
    ...TIMING,
    logger: createLogger('silent'),
    clock,
    signal: controller.signal,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
  });
  return { controller, events, done };
}

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

  it('takes over a Lease whose holder stopped renewing once it expires', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    store.stored = wire({
      metadata: { name: 'confighash-controller', namespace: 'confighash-system', resourceVersion: '0' },
      spec: { holderIdentity: 'gone', renewTime: new Date(clock.now()), leaseDurationSeconds: 15 },
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
});
