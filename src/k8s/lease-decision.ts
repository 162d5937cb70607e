/**
 * The pure half of leader election: given the Lease as read, and what this
 * candidate saw of it before, what should it do? No I/O and no clock; the
 * caller passes its own time in.
 *
 * Expiry is judged as client-go judges it: never from the remote renewTime,
 * which another replica wrote with its own clock, but from when this replica
 * last saw the Lease record change, on this replica's clock. Clock skew between
 * replicas then cannot make a follower take a Lease its holder keeps renewing.
 */

/**
 * The Lease fields the decision needs. client-node 2.x types MicroTime fields
 * as Date, but at runtime it hands back the JSON string, so both are accepted.
 */
export interface LeaseState {
  holderIdentity?: string | undefined;
  acquireTime?: Date | string | undefined;
  renewTime?: Date | string | undefined;
  leaseDurationSeconds?: number | undefined;
  leaseTransitions?: number | undefined;
}

/** What this candidate last saw of the Lease, and since when on its own clock. */
export interface LeaseObservation {
  /** The record (holder, times, duration, transitions) in canonical form: every write by a holder changes it. */
  record: string;
  /** This candidate's time when it first read `record`, taken after the read returned. */
  sinceMs: number;
}

export type LeaseDecision =
  /** No Lease exists: create it, holding it. */
  | { action: 'create' }
  /** This candidate holds the Lease: renew it. */
  | { action: 'renew' }
  /** Nobody holds a valid Lease: take it over (guarded by resourceVersion). */
  | { action: 'take-over'; reason: 'released' | 'expired'; previousHolder: string }
  /** Someone else holds it; unless the record changes, it expires in `expiresInMs` on this candidate's clock. */
  | { action: 'wait'; holder: string; expiresInMs: number };

/**
 * The record's identity: the fields client-go compares. Metadata (labels, the
 * resourceVersion of a write that left the record alone) is not proof of life.
 */
export function leaseRecord(lease: LeaseState): string {
  return JSON.stringify([
    lease.holderIdentity ?? '',
    timeText(lease.acquireTime),
    timeText(lease.renewTime),
    lease.leaseDurationSeconds ?? null,
    lease.leaseTransitions ?? null,
  ]);
}

/**
 * The observation after reading `lease` at `nowMs`: unchanged while the record
 * is the same, restarted at `nowMs` when it differs (or on the first read).
 */
export function observeLease(
  previous: LeaseObservation | undefined,
  lease: LeaseState | undefined,
  nowMs: number,
): LeaseObservation | undefined {
  if (!lease) return undefined;
  const record = leaseRecord(lease);
  return previous?.record === record ? previous : { record, sinceMs: nowMs };
}

/**
 * Acquire when there is no Lease, when its holder is empty, or when its record
 * has not changed for its own leaseDurationSeconds on this candidate's clock
 * (strictly longer: not at the instant itself). A Lease without a duration
 * uses `fallbackDurationMs`. `observed` is what observeLease returned for this
 * read; if it describes another record, the record counts as first seen now.
 */
export function decideLease(
  lease: LeaseState | undefined,
  identity: string,
  observed: LeaseObservation | undefined,
  nowMs: number,
  fallbackDurationMs: number,
): LeaseDecision {
  if (!lease) return { action: 'create' };
  const holder = lease.holderIdentity ?? '';
  if (holder === '') return { action: 'take-over', reason: 'released', previousHolder: '' };
  if (holder === identity) return { action: 'renew' };

  const sinceMs = observed?.record === leaseRecord(lease) ? observed.sinceMs : nowMs;
  const seconds = lease.leaseDurationSeconds;
  const durationMs = seconds !== undefined && seconds > 0 ? seconds * 1000 : fallbackDurationMs;
  const expiresInMs = sinceMs + durationMs - nowMs;
  if (expiresInMs < 0) return { action: 'take-over', reason: 'expired', previousHolder: holder };
  return { action: 'wait', holder, expiresInMs };
}

/** Milliseconds since the epoch of a MicroTime as client-node returns it, or undefined. */
export function microTimeMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** As sent on the wire: the string client-node returns, or the MicroTime/Date we wrote. */
function timeText(value: Date | string | undefined): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  return Number.isNaN(value.getTime()) ? null : value.toISOString();
}
