export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Spread of the random jitter around the nominal delay (±10 %). */
export const BACKOFF_JITTER = 0.1;

/**
 * Delay before retry number `attempt` (1 for the first retry): `initialMs`
 * doubled per attempt up to `maxMs`, then jittered.
 * `random` returns a number in [0, 1), like Math.random.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  // Capping the exponent keeps 2 ** exponent finite for absurd attempt counts.
  return jittered(Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exponent, 52)), random);
}

/**
 * Moves `nominalMs` by up to ±10 % so that keys failing together (an apiserver
 * restart) do not retry in lockstep.
 */
export function jittered(nominalMs: number, random: () => number): number {
  const jitter = (random() * 2 - 1) * BACKOFF_JITTER;
  return Math.max(0, Math.round(nominalMs * (1 + jitter)));
}
