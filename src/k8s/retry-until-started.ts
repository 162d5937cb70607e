import { createSystemClock, sleep, type Clock } from '../clock.ts';
import { classifyApiError } from '../errors.ts';
import { backoffDelay, type BackoffPolicy } from '../queue/backoff.ts';
import { CannotStartError, StartUpCallError } from './start-up-errors.ts';
import { startUpProblem } from './start-up-problem.ts';

/** Where start-up problems go (observability/start-up-report.ts): /readyz and the log. */
export interface StartUpReporter {
  waiting(key: string, message: string, error?: unknown): void;
  resolved(key: string): void;
}

export interface RetryUntilStartedOptions {
  signal: AbortSignal;
  report: StartUpReporter;
  /** The apiserver's URL, named in messages about reaching it. */
  server: string;
  backoff?: BackoffPolicy;
  clock?: Clock;
  random?: () => number;
}

/** Short enough that what a person fixes (RBAC granted, CRDs applied) is picked up within seconds. */
export const START_UP_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 4_000 };

/**
 * Runs a start-up step until it succeeds. A failure that may come right by itself or be fixed
 * while the controller runs (no connection, RBAC, a CRD not yet installed) is reported and
 * retried with capped backoff; one that a person must fix (a missing namespace) throws
 * CannotStartError at once. Throws the last error when `signal` aborts.
 */
export async function retryUntilStarted<T>(key: string, step: () => Promise<T>, options: RetryUntilStartedOptions): Promise<T> {
  const clock = options.clock ?? createSystemClock();
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await step();
      options.report.resolved(key);
      return value;
    } catch (error) {
      if (options.signal.aborted || error instanceof CannotStartError) throw error;
      const problem =
        error instanceof StartUpCallError
          ? startUpProblem(error.call, error.cause, options.server)
          : { action: 'wait' as const, message: classifyApiError(error, key).message };
      if (problem.action === 'exit') throw new CannotStartError(problem.message, { cause: error });
      options.report.waiting(key, problem.message, error);
      await sleep(clock, backoffDelay(options.backoff ?? START_UP_BACKOFF, attempt, options.random ?? Math.random), options.signal);
      if (options.signal.aborted) throw error;
    }
  }
}
