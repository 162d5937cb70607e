import { backoffDelay, type BackoffPolicy } from '../queue/backoff.ts';
import { createSystemClock, sleep, type Clock } from '../clock.ts';
import { classifyApiError, TransientApiError, type ControllerError } from '../errors.ts';

export interface RetryTransientOptions {
  /** Gives up when it aborts: the last error is thrown. */
  signal: AbortSignal;
  /** Named in the error passed to onRetry, e.g. "ask the apiserver about argoproj.io/v1alpha1". */
  action: string;
  backoff?: BackoffPolicy;
  onRetry?: (error: ControllerError, delayMs: number, attempt: number) => void;
  clock?: Clock;
  random?: () => number;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 8_000 };

/**
 * Runs `request` until it answers, retrying with capped backoff while the apiserver fails
 * for now (5xx, 429, a timeout, no connection), as during its own restart. Any other error
 * (a 403, a 404: an answer) is thrown at once, and so is the last one once `signal` aborts.
 */
export async function retryTransient<T>(request: () => Promise<T>, options: RetryTransientOptions): Promise<T> {
  const clock = options.clock ?? createSystemClock();
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const classified = classifyApiError(error, options.action);
      if (!(classified instanceof TransientApiError) || options.signal.aborted) throw error;
      const delayMs = backoffDelay(options.backoff ?? DEFAULT_BACKOFF, attempt, options.random ?? Math.random);
      options.onRetry?.(classified, delayMs, attempt);
      await sleep(clock, delayMs, options.signal);
      if (options.signal.aborted) throw error;
    }
  }
}
