import { V1MicroTime, type V1LeaseSpec } from '@kubernetes/client-node';
import { microTimeMs } from './lease-decision.ts';

/**
 * Lease specs to write. Times are V1MicroTime: client-node serializes a plain
 * Date with millisecond precision, which the apiserver rejects for MicroTime
 * fields; V1MicroTime pads to the microseconds it expects.
 */

/** The spec of a Lease held by `identity`, renewed now: keeps acquireTime and the transition count while held. */
export function heldLeaseSpec(
  previous: V1LeaseSpec | undefined,
  identity: string,
  nowMs: number,
  leaseDurationMs: number,
): V1LeaseSpec {
  const now = new V1MicroTime(nowMs);
  const transitions = previous?.leaseTransitions ?? 0;
  const continuing = previous !== undefined && previous.holderIdentity === identity;
  return {
    ...previous,
    holderIdentity: identity,
    leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
    acquireTime: continuing ? microTime(previous.acquireTime, now) : now,
    renewTime: now,
    leaseTransitions: previous === undefined || continuing ? transitions : transitions + 1,
  };
}

/**
 * The spec that gives the Lease up, as client-go does on ReleaseOnCancel: no
 * holder and a 1s duration, so a successor takes over without waiting.
 */
export function releasedLeaseSpec(previous: V1LeaseSpec | undefined, nowMs: number): V1LeaseSpec {
  const now = new V1MicroTime(nowMs);
  return {
    ...previous,
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: previous?.leaseTransitions ?? 0,
  };
}

function microTime(value: Date | string | undefined, fallback: V1MicroTime): V1MicroTime {
  const ms = microTimeMs(value);
  return ms === undefined ? fallback : new V1MicroTime(ms);
}
