import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { createSystemClock, type Clock } from './clock.ts';

export type WorkHandler = (key: string, signal: AbortSignal) => Promise<void>;

export interface WorkQueueOptions {
  /** Quiet period after the first add of a key before it is processed; 0 means on the next tick. */
  debounceMs: number;
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
  dueAt: number;
  timer: unknown;
}

type Outcome = { kind: 'done' } | { kind: 'retry'; error: unknown } | { kind: 'failed'; error: unknown };

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

/**
 * A keyed work queue: each key is a unit of reconcile work, identified by name,
 * never by what an event said. A key waits in exactly one place at a time:
 * scheduled (debounce or backoff timer), ready (due, waiting for a free slot)
 * or in flight (possibly marked dirty to run once more afterwards).
 */
export class WorkQueue {
  readonly #handler: WorkHandler;
  readonly #debounceMs: number;
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
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #abort = new AbortController();
  #idleWaiters: Array<() => void> = [];
  #started = false;
  #draining = false;
  #pumpQueued = false;
  #reportedDepth = 0;

  constructor(handler: WorkHandler, options: WorkQueueOptions) {
    const { debounceMs, concurrency, backoff } = options;
    if (!Number.isFinite(debounceMs) || debounceMs < 0) {
      throw new RangeError(`debounceMs must be a finite number >= 0, got ${debounceMs}`);
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
    this.#debounceMs = debounceMs;
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
    if (this.#inFlight.has(key)) {
      this.#dirty.add(key);
      this.#reportDepth();
      return;
    }
    if (this.#ready.has(key)) return;
    this.#schedule(key, this.#debounceMs);
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

  #schedule(key: string, delayMs: number): void {
    const dueAt = this.#clock.now() + delayMs;
    const existing = this.#scheduled.get(key);
    // An add never postpones work: a key in backoff keeps the earlier due time.
    if (existing && existing.dueAt <= dueAt) return;
    if (existing) this.#clock.clearTimeout(existing.timer);
    if (delayMs <= 0) {
      this.#scheduled.delete(key);
      this.#makeReady(key);
      return;
    }
    const timer = this.#clock.setTimeout(() => {
      this.#scheduled.delete(key);
      this.#makeReady(key);
    }, delayMs);
    this.#scheduled.set(key, { dueAt, timer });
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
    const dirty = this.#dirty.delete(key);

    let retryDelay = 0;
    let attempt = 0;
    if (outcome.kind === 'retry') {
      attempt = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, attempt);
      // A change seen during the failed run still gets its quiet period.
      retryDelay = Math.max(backoffDelay(this.#backoff, attempt, this.#random), dirty ? this.#debounceMs : 0);
    } else {
      this.#failures.delete(key);
    }
    if (!this.#draining) {
      if (outcome.kind === 'retry') this.#schedule(key, retryDelay);
      else if (dirty) this.#schedule(key, this.#debounceMs);
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
