import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { createSystemClock, type Clock } from './clock.ts';
import { dueAt, type QuietPeriod, type Wait } from './due-time.ts';

export type WorkHandler = (key: string, signal: AbortSignal) => Promise<void>;

export interface WorkQueueOptions {
  /** Quiet period: a key runs once this long has passed without an add; 0 means on the next tick. */
  debounceMs: number;
  /** Longest a burst of adds can postpone a key, from its first add; 0 or absent means no cap. */
  debounceMaxMs?: number;
  /** Most keys processed at the same time. */
  concurrency: number;
  /** Delays between retries of a key whose handler threw an error with `retryable === true`. */
  backoff: BackoffPolicy;
  clock?: Clock;
  /** Called whenever the number of waiting keys changes (feeds the queue-depth gauge). */
  onDepthChange?: (depth: number) => void;
  /** A handler failed with an error that is not retryable; the key is not retried. */
  onError?: (key: string, error: unknown) => void;
  /** A handler failed with a retryable error; the key runs again after `delayMs`. */
  onRetry?: (key: string, error: unknown, delayMs: number, attempt: number) => void;
  /** Source of jitter for the backoff, [0, 1) like Math.random. */
  random?: () => number;
}

interface Scheduled {
  wait: Wait;
  dueAt: number;
  timer: unknown;
}

type Outcome = { kind: 'done' } | { kind: 'retry'; error: unknown } | { kind: 'failed'; error: unknown };

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

/**
 * A keyed work queue: each key is a unit of reconcile work, identified by name,
 * never by what an event said. A key is in exactly one of these states:
 *
 * - scheduled: waiting on a timer, for a quiet period after adds, for a retry
 *   after a failed run, or for both;
 * - ready: due, waiting for a free slot (first come, first served);
 * - in flight: its handler runs; an add marks it dirty, to run once more after.
 *
 * The quiet period: a scheduled key runs once `debounceMs` has passed since its
 * latest add. Every add restarts that period, but never beyond `debounceMaxMs`
 * after the first add of the burst, so a steady stream of changes delays the
 * work by at most the cap. Adds made while a key is in flight count as a burst
 * that started at the first of them and was last added when the run ended.
 *
 * A retry keeps its due time: adds never postpone it. They do open a quiet
 * period, and the key runs when that ends if it ends before the retry is due,
 * because the change may be what fixes the failure.
 */
export class WorkQueue {
  readonly #handler: WorkHandler;
  readonly #quiet: QuietPeriod;
  readonly #concurrency: number;
  readonly #backoff: BackoffPolicy;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onDepthChange: ((depth: number) => void) | undefined;
  readonly #onError: ((key: string, error: unknown) => void) | undefined;
  readonly #onRetry: WorkQueueOptions['onRetry'];

  readonly #scheduled = new Map<string, Scheduled>();
  /** Insertion-ordered, so keys are taken first come, first served. */
  readonly #ready = new Set<string>();
  readonly #inFlight = new Set<string>();
  /** Keys added while in flight, with the time of the first such add. */
  readonly #dirty = new Map<string, number>();
  readonly #failures = new Map<string, number>();
  readonly #abort = new AbortController();
  #idleWaiters: Array<() => void> = [];
  #started = false;
  #draining = false;
  #pumpQueued = false;
  #reportedDepth = 0;

  constructor(handler: WorkHandler, options: WorkQueueOptions) {
    const { debounceMs, debounceMaxMs = 0, concurrency, backoff } = options;
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
    this.#handler = handler;
    this.#quiet = { debounceMs, debounceMaxMs };
    this.#concurrency = concurrency;
    this.#backoff = { ...backoff };
    this.#clock = options.clock ?? createSystemClock();
    this.#random = options.random ?? Math.random;
    this.#onDepthChange = options.onDepthChange;
    this.#onError = options.onError;
    this.#onRetry = options.onRetry;
  }

  /** Keys waiting to be processed: scheduled, ready, or dirty while in flight. */
  get depth(): number {
    return this.#scheduled.size + this.#ready.size + this.#dirty.size;
  }

  /**
   * Asks for `key` to be processed. Adds merge: one run covers every add made
   * before it starts, and an add during a run causes exactly one more run.
   * Ignored once the queue drains.
   */
  add(key: string): void {
    if (this.#draining) return;
    const now = this.#clock.now();
    if (this.#inFlight.has(key)) {
      if (!this.#dirty.has(key)) this.#dirty.set(key, now);
      this.#reportDepth();
      return;
    }
    if (this.#ready.has(key)) return;
    const wait = this.#scheduled.get(key)?.wait ?? {};
    const changes = { firstAt: wait.changes?.firstAt ?? now, lastAt: now };
    this.#schedule(key, { ...wait, changes });
  }

  /** Starts processing. Keys added before start wait (and merge) until then. */
  start(): void {
    if (this.#started || this.#draining) return;
    this.#started = true;
    this.#queuePump();
  }

  /**
   * Stops taking keys, drops the waiting ones and waits for the handlers in
   * flight. After `timeoutMs` it aborts their signal and resolves anyway, so a
   * shutdown never outlives its grace period.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.#draining) {
      this.#draining = true;
      for (const { timer } of this.#scheduled.values()) this.#clock.clearTimeout(timer);
      this.#scheduled.clear();
      this.#ready.clear();
      this.#dirty.clear();
      this.#reportDepth();
      this.#settleIdle();
    }
    if (this.#inFlight.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#abort.abort(new Error(`work queue drain timed out after ${timeoutMs}ms`));
        resolve();
      }, timeoutMs);
      this.#idleWaiters.push(() => {
        this.#clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Resolves once no key is scheduled, ready or in flight. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** (Re)sets the timer of `key` to the due time of `wait`. */
  #schedule(key: string, wait: Wait): void {
    const now = this.#clock.now();
    const due = dueAt(wait, this.#quiet);
    const existing = this.#scheduled.get(key);
    if (existing?.dueAt === due) {
      existing.wait = wait;
      return;
    }
    if (existing) this.#clock.clearTimeout(existing.timer);
    if (due <= now) {
      this.#scheduled.delete(key);
      this.#makeReady(key);
      return;
    }
    const timer = this.#clock.setTimeout(() => {
      this.#scheduled.delete(key);
      this.#makeReady(key);
    }, due - now);
    this.#scheduled.set(key, { wait, dueAt: due, timer });
    this.#reportDepth();
  }

  #makeReady(key: string): void {
    this.#ready.add(key);
    this.#reportDepth();
    this.#queuePump();
  }

  /** Runs handlers from a microtask, never inside the caller's add(). */
  #queuePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (!this.#started || this.#draining) return;
    while (this.#inFlight.size < this.#concurrency) {
      const next = this.#ready.values().next();
      if (next.done) break;
      this.#ready.delete(next.value);
      void this.#run(next.value);
    }
    this.#reportDepth();
  }

  async #run(key: string): Promise<void> {
    this.#inFlight.add(key);
    let outcome: Outcome;
    try {
      await this.#handler(key, this.#abort.signal);
      outcome = { kind: 'done' };
    } catch (error) {
      outcome = isRetryable(error) ? { kind: 'retry', error } : { kind: 'failed', error };
    }
    this.#inFlight.delete(key);
    const now = this.#clock.now();
    const dirtySince = this.#dirty.get(key);
    this.#dirty.delete(key);
    const wait: Wait = {};
    // The run's end counts as the latest add: changes it may have missed get a full quiet period.
    if (dirtySince !== undefined) wait.changes = { firstAt: dirtySince, lastAt: now };

    let retryDelay = 0;
    let attempt = 0;
    if (outcome.kind === 'retry') {
      attempt = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, attempt);
      const at = now + backoffDelay(this.#backoff, attempt, this.#random);
      wait.retry = { at, notBefore: now };
      retryDelay = dueAt(wait, this.#quiet) - now;
    } else {
      this.#failures.delete(key);
    }
    if (!this.#draining) {
      if (wait.changes || wait.retry) this.#schedule(key, wait);
    } else {
      this.#failures.delete(key);
    }
    this.#reportDepth();
    this.#queuePump();
    this.#settleIdle();

    // Callbacks last: the queue's own state is consistent even if one throws.
    if (outcome.kind === 'failed') this.#onError?.(key, outcome.error);
    if (outcome.kind === 'retry' && !this.#draining) this.#onRetry?.(key, outcome.error, retryDelay, attempt);
  }

  #isIdle(): boolean {
    return this.#scheduled.size === 0 && this.#ready.size === 0 && this.#inFlight.size === 0;
  }

  #settleIdle(): void {
    if (!this.#isIdle() || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #reportDepth(): void {
    const depth = this.depth;
    if (depth === this.#reportedDepth) return;
    this.#reportedDepth = depth;
    this.#onDepthChange?.(depth);
  }
}
