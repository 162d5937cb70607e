import type { BackoffPolicy } from './backoff.ts';
import type { Clock } from '../clock.ts';
import type { RetryClass } from './retry-delay.ts';

/**
 * Does the work for `key`. `signal` is this run's own: it aborts at the run's
 * deadline or when a drain times out, so every API call of the run should get it.
 */
export type WorkHandler = (key: string, signal: AbortSignal) => Promise<void>;

export interface WorkQueueOptions {
  /** Quiet period: a key runs once this long has passed without an add; 0 means on the next tick. */
  debounceMs: number;
  /** Longest a burst of adds can postpone a key, from its first add; 0 or absent means no cap. */
  debounceMaxMs?: number;
  /** Most keys processed at the same time. */
  concurrency: number;
  /**
   * Retry delays: `initialMs` for the first, doubling up to `maxMs`, the cap.
   * Every failure is retried; the error's `retry` class and `retryAfterMs` pick
   * the delay (see retryDelay).
   */
  backoff: BackoffPolicy;
  /**
   * Deadline of one handler run: its signal aborts after this long, and the run
   * counts as failed and is retried. Absent means no deadline.
   */
  handlerTimeoutMs?: number;
  clock?: Clock;
  /** Called whenever the number of waiting keys changes (feeds the queue-depth gauge). */
  onDepthChange?: (depth: number) => void;
  /**
   * A key's handler starts, `waitedMs` after the key became due: the time it
   * waited for a free slot, not its quiet period or its retry delay.
   */
  onWait?: (key: string, waitedMs: number, lane: 'live' | 'bulk') => void;
  /**
   * A run failed; the key runs again in `delayMs` (or sooner, if a change's quiet
   * period ends first). `attempt` counts the failed runs in a row, 1 for the
   * first: a failure streak starts when it is 1. `retry` is the class that picked
   * the delay (see retryDelay). Not called while draining.
   */
  onFailure?: (key: string, error: unknown, delayMs: number, attempt: number, retry: RetryClass) => void;
  /** A run succeeded after `attempts` failed runs in a row: the failure streak ended. */
  onRecovered?: (key: string, attempts: number) => void;
  /**
   * A run of `key` ended, either way, and the queue's state already says so: the key is
   * no longer in flight, and is scheduled again if it was added during the run or failed.
   */
  onRunEnd?: (key: string, lane: 'live' | 'bulk') => void;
  /** Called whenever the number of waiting keys per lane changes (see Lane in work-queue.ts). */
  onLaneDepthChange?: (byLane: { live: number; bulk: number }) => void;
  /** How long a ready bulk key may wait behind live ones before it goes first; default 10 s. */
  bulkAgingMs?: number;
  /** Called whenever the number of keys in a failure streak (latest run failed) changes. */
  onFailingChange?: (failing: number) => void;
  /** Source of jitter for the backoff, [0, 1) like Math.random. */
  random?: () => number;
}

/** Throws a RangeError for options the queue cannot work with. */
export function checkWorkQueueOptions(options: WorkQueueOptions): void {
  const { debounceMs, debounceMaxMs = 0, concurrency, backoff, handlerTimeoutMs } = options;
  if (!Number.isFinite(debounceMs) || debounceMs < 0) {
    throw new RangeError(`debounceMs must be a finite number >= 0, got ${debounceMs}`);
  }
  if (!Number.isFinite(debounceMaxMs) || (debounceMaxMs !== 0 && debounceMaxMs < debounceMs)) {
    throw new RangeError(`debounceMaxMs must be 0 or at least debounceMs (${debounceMs}), got ${debounceMaxMs}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  }
  if (!(backoff.initialMs > 0) || !(backoff.maxMs >= backoff.initialMs)) {
    throw new RangeError(
      `backoff needs 0 < initialMs <= maxMs, got initialMs=${backoff.initialMs} maxMs=${backoff.maxMs}`,
    );
  }
  if (handlerTimeoutMs !== undefined && !(Number.isFinite(handlerTimeoutMs) && handlerTimeoutMs > 0)) {
    throw new RangeError(`handlerTimeoutMs must be a finite number > 0, got ${handlerTimeoutMs}`);
  }
}
