import type { ConfigurationOptions, V1Lease } from '@kubernetes/client-node';
import type { LeaseCalls } from './json-clients.ts';
import type { Logger } from 'pino';
import { apiStatusCodeOf, classifyApiError } from '../errors.ts';
import { createSystemClock, sleep, type Clock } from '../clock.ts';
import { decideLease, observeLease, type LeaseObservation } from './lease-decision.ts';
import { heldLeaseSpec, releasedLeaseSpec } from './lease-spec.ts';
import { abortableRequest } from './request-options.ts';

export interface LeaderElectionOptions {
  api: LeaseCalls;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  clock?: Clock;
  /** Abort to stop: a leader releases the Lease before the promise resolves. */
  signal: AbortSignal;
  onStartedLeading: () => void;
  /**
   * The Lease was acquired or renewed: this replica may write until `untilMs` on its clock
   * (the renew deadline). A fence for writes that a timer alone cannot give: after a pause
   * (SIGSTOP, a long GC) queued work may run before the deadline timer does.
   */
  onRenewed?: (untilMs: number) => void;
  /** Leadership was lost (not renewed within renewDeadline, or taken): the caller should exit. */
  onStoppedLeading: () => void;
}

/** Longest time spent giving the Lease back on shutdown; after that it simply expires. */
const RELEASE_TIMEOUT_MS = 5000;

/** `held`: the write that (re)acquired the Lease started at `writeStartedAtMs` on our clock. */
type Attempt = { outcome: 'held'; writeStartedAtMs: number } | { outcome: 'held-by-other' } | { outcome: 'failed' };

/** What one candidate remembers between rounds: the Lease record it last saw, and since when. */
interface Candidate {
  options: LeaderElectionOptions;
  clock: Clock;
  logger: Logger;
  observed: LeaseObservation | undefined;
}

/**
 * Lease-based leader election on coordination.k8s.io/v1, following client-go:
 * try to acquire every retryPeriod; once leading, renew every retryPeriod.
 * Every write is a create or a replace guarded by resourceVersion, so of two
 * candidates exactly one wins.
 *
 * Time is only ever compared on this replica's own clock. A follower takes
 * over when the Lease record has not changed for leaseDuration since it first
 * saw it (see lease-decision.ts). The leader stops leading (onStoppedLeading)
 * renewDeadline after the start of its last successful write, or at once when
 * another replica holds the Lease. That write reached the apiserver after it
 * started, and a follower saw its record only after that, so the leader stops
 * before leaseDuration (> renewDeadline) can have passed on any follower's
 * clock, whatever time the clocks show.
 *
 * Aborting `signal` while leading releases the Lease (empty holder, 1s
 * duration) so a successor takes over at once; onStoppedLeading is not
 * called then, because the caller asked for the stop.
 */
export async function runLeaderElection(options: LeaderElectionOptions): Promise<void> {
  const { signal, retryPeriodMs, renewDeadlineMs } = options;
  const clock = options.clock ?? createSystemClock();
  const logger = options.logger.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  const candidate: Candidate = { options, clock, logger, observed: undefined };

  logger.info('waiting to become leader');
  let renewedFromMs: number;
  for (;;) {
    if (signal.aborted) return;
    const attempt = await tryAcquireOrRenew(candidate, renewDeadlineMs);
    if (attempt.outcome === 'held') {
      renewedFromMs = attempt.writeStartedAtMs;
      options.onRenewed?.(renewedFromMs + renewDeadlineMs);
      break;
    }
    await sleep(clock, retryPeriodMs, signal);
  }
  if (signal.aborted) {
    await release(options, clock, logger);
    return;
  }
  logger.info('became leader');
  options.onStartedLeading();

  for (;;) {
    const deadlineMs = renewedFromMs + renewDeadlineMs;
    await sleep(clock, Math.min(retryPeriodMs, deadlineMs - clock.now()), signal);
    if (signal.aborted) break;
    const attempt: Attempt =
      clock.now() < deadlineMs ? await tryAcquireOrRenew(candidate, deadlineMs - clock.now()) : { outcome: 'failed' };
    if (signal.aborted) break;
    if (attempt.outcome === 'held') {
      renewedFromMs = attempt.writeStartedAtMs;
      options.onRenewed?.(renewedFromMs + renewDeadlineMs);
      continue;
    }
    if (attempt.outcome === 'failed' && clock.now() < deadlineMs) continue;
    const reason = attempt.outcome === 'held-by-other' ? 'held by another replica' : 'renew deadline passed';
    logger.error({ sinceRenewMs: clock.now() - renewedFromMs, reason }, 'lost leadership: the Lease was not renewed in time');
    options.onStoppedLeading();
    return;
  }
  await release(options, clock, logger);
}

/** One read-decide-write round, bounded by `timeoutMs`. Never throws: failures are logged and retried by the caller. */
async function tryAcquireOrRenew(candidate: Candidate, timeoutMs: number): Promise<Attempt> {
  const { options, clock, logger } = candidate;
  const { api, namespace, name, identity, leaseDurationMs } = options;
  return withTimeout(clock, timeoutMs, options.signal, async (requestSignal): Promise<Attempt> => {
    const request = abortableRequest(requestSignal);
    try {
      const current = await readLease(api, namespace, name, request);
      // Taken after the read returned: the record was written before this moment.
      const readAtMs = clock.now();
      candidate.observed = observeLease(candidate.observed, current?.spec, readAtMs);
      const decision = decideLease(current?.spec, identity, candidate.observed, readAtMs, leaseDurationMs);
      if (decision.action === 'wait') {
        logger.debug({ holder: decision.holder, expiresInMs: decision.expiresInMs }, 'Lease held by another replica');
        return { outcome: 'held-by-other' };
      }
      // Taken before the write: the apiserver stores it after this moment.
      const writeStartedAtMs = clock.now();
      const spec = heldLeaseSpec(current?.spec, identity, writeStartedAtMs, leaseDurationMs);
      if (decision.action === 'create') {
        const metadata = { name, namespace };
        const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
        await api.createNamespacedLease({ namespace, body }, request);
      } else {
        // metadata carries the resourceVersion read above: a concurrent writer makes this a 409.
        await api.replaceNamespacedLease({ name, namespace, body: { ...current, spec } }, request);
      }
      if (decision.action === 'take-over') {
        logger.info({ previousHolder: decision.previousHolder, reason: decision.reason }, 'acquired the Lease');
      }
      return { outcome: 'held', writeStartedAtMs };
    } catch (error) {
      const status = apiStatusCodeOf(error);
      if (status === 409) {
        logger.debug('another replica wrote the Lease first; will retry');
      } else {
        logger.warn({ err: classifyApiError(error, `update Lease ${namespace}/${name}`) }, 'Lease update failed');
      }
      return { outcome: 'failed' };
    }
  });
}

async function readLease(
  api: LeaseCalls,
  namespace: string,
  name: string,
  request: ConfigurationOptions,
): Promise<V1Lease | undefined> {
  try {
    return await api.readNamespacedLease({ name, namespace }, request);
  } catch (error) {
    if (apiStatusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/** Gives the Lease up if this replica still holds it; best effort, bounded by RELEASE_TIMEOUT_MS. */
async function release(options: LeaderElectionOptions, clock: Clock, logger: Logger): Promise<void> {
  const { api, namespace, name, identity } = options;
  // The caller's signal is already aborted; the release runs on its own deadline.
  const timeoutMs = Math.min(RELEASE_TIMEOUT_MS, options.renewDeadlineMs);
  await withTimeout(clock, timeoutMs, undefined, async (requestSignal) => {
    const request = abortableRequest(requestSignal);
    try {
      const current = await readLease(api, namespace, name, request);
      if (!current || current.spec?.holderIdentity !== identity) return;
      const body = { ...current, spec: releasedLeaseSpec(current.spec, clock.now()) };
      await api.replaceNamespacedLease({ name, namespace, body }, request);
      logger.info('released the Lease');
    } catch (error) {
      const err = classifyApiError(error, `release Lease ${namespace}/${name}`);
      logger.warn({ err }, 'could not release the Lease; it will expire');
    }
  });
}

/** Runs `work` with a signal that aborts after `timeoutMs` on `clock`, or when `parent` aborts. */
async function withTimeout<T>(
  clock: Clock,
  timeoutMs: number,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = new AbortController();
  const timer = clock.setTimeout(() => {
    deadline.abort(new Error(`Lease request timed out after ${timeoutMs}ms`));
  }, timeoutMs);
  try {
    return await work(parent ? AbortSignal.any([parent, deadline.signal]) : deadline.signal);
  } finally {
    clock.clearTimeout(timer);
  }
}
