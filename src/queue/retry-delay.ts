import { backoffDelay, jittered, type BackoffPolicy } from './backoff.ts';

/**
 * How a failed key is retried; every failure is, so the class only picks the delay.
 * - `conflict`: someone changed the object first. The next run re-reads it, so
 *   it runs again almost at once, a few times, before backing off normally.
 * - `backoff`: capped exponential backoff (server, network and RBAC trouble).
 * - `cap`: only at the longest delay; it cannot succeed until someone changes
 *   the object, and that change adds the key anyway.
 */
export type RetryClass = 'conflict' | 'backoff' | 'cap';

/** What a failure tells the queue about its retry. Errors carry it as properties. */
export interface RetryHint {
  retry: RetryClass;
  /** The least delay the server asked for (Retry-After). */
  retryAfterMs?: number;
}

/** Delay of a quick conflict retry: long enough for the watch to deliver the change that won. */
export const CONFLICT_RETRY_DELAY_MS = 50;
/** Failed attempts in a row that still get a quick conflict retry. */
export const QUICK_CONFLICT_RETRIES = 3;

const RETRY_CLASSES: ReadonlySet<unknown> = new Set<RetryClass>(['conflict', 'backoff', 'cap']);

/** Reads the hint off anything a handler threw; an error without one backs off. */
export function retryHintOf(error: unknown): RetryHint {
  if (typeof error !== 'object' || error === null) return { retry: 'backoff' };
  const { retry, retryAfterMs } = error as { retry?: unknown; retryAfterMs?: unknown };
  const hint: RetryHint = { retry: RETRY_CLASSES.has(retry) ? (retry as RetryClass) : 'backoff' };
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs > 0) {
    hint.retryAfterMs = retryAfterMs;
  }
  return hint;
}

/**
 * Delay before the next run of a key whose run number `attempt` in a row
 * (1 for the first) just failed. Never shorter than the server's Retry-After.
 */
export function retryDelay(policy: BackoffPolicy, hint: RetryHint, attempt: number, random: () => number): number {
  const delay = classDelay(policy, hint.retry, attempt, random);
  return Math.max(delay, hint.retryAfterMs ?? 0);
}

function classDelay(policy: BackoffPolicy, retry: RetryClass, attempt: number, random: () => number): number {
  switch (retry) {
    case 'conflict':
      if (attempt <= QUICK_CONFLICT_RETRIES) return CONFLICT_RETRY_DELAY_MS;
      return backoffDelay(policy, attempt - QUICK_CONFLICT_RETRIES, random);
    case 'cap':
      return jittered(policy.maxMs, random);
    case 'backoff':
      return backoffDelay(policy, attempt, random);
  }
}
