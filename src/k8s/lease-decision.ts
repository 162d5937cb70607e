/**
 * The pure half of leader election: given the Lease as read, what should this
 * candidate do? No I/O and no clock; the caller passes the time in.
 */

/**
 * The Lease fields the decision needs. client-node 2.x types MicroTime fields
 * as Date, but at runtime it hands back the JSON string, so both are accepted.
 */
export interface LeaseState {
  holderIdentity?: string | undefined;
  renewTime?: Date | string | undefined;
  leaseDurationSeconds?: number | undefined;
}

export type LeaseDecision =
  /** No Lease exists: create it, holding it. */
  | { action: 'create' }
  /** This candidate holds the Lease: renew it. */
  | { action: 'renew' }
  /** Nobody holds a valid Lease: take it over (guarded by resourceVersion). */
  | { action: 'take-over'; reason: 'released' | 'expired'; previousHolder: string }
  /** Someone else holds it until `expiresAtMs` (ms since the epoch). */
  | { action: 'wait'; holder: string; expiresAtMs: number };

/**
 * Acquire when there is no Lease, when its holder is empty, or when its
 * renewTime plus its own leaseDurationSeconds has passed. A Lease without a
 * duration uses `fallbackDurationMs`; one without a parseable renewTime
 * cannot prove its holder alive and counts as expired.
 */
export function decideLease(
  lease: LeaseState | undefined,
  identity: string,
  nowMs: number,
  fallbackDurationMs: number,
): LeaseDecision {
  if (!lease) return { action: 'create' };
  const holder = lease.holderIdentity ?? '';
  if (holder === '') return { action: 'take-over', reason: 'released', previousHolder: '' };
  if (holder === identity) return { action: 'renew' };

  const renewedAtMs = microTimeMs(lease.renewTime);
  if (renewedAtMs === undefined) return { action: 'take-over', reason: 'expired', previousHolder: holder };
  const seconds = lease.leaseDurationSeconds;
  const durationMs = seconds !== undefined && seconds > 0 ? seconds * 1000 : fallbackDurationMs;
  const expiresAtMs = renewedAtMs + durationMs;
  if (nowMs > expiresAtMs) return { action: 'take-over', reason: 'expired', previousHolder: holder };
  return { action: 'wait', holder, expiresAtMs };
}

/** Milliseconds since the epoch of a MicroTime as client-node returns it, or undefined. */
export function microTimeMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
