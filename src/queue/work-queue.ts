import type { BackoffPolicy } from './backoff.ts';
import { createSystemClock, type Clock } from '../clock.ts';
import { dueAt, type QuietPeriod, type Wait } from './due-time.ts';
import { retryDelay, retryHintOf, type RetryHint } from './retry-delay.ts';
import { checkWorkQueueOptions, type WorkHandler, type WorkQueueOptions } from './work-queue-options.ts';

export type { WorkHandler, WorkQueueOptions } from './work-queue-options.ts';

/**
 * Which lane a key waits in. `live`: work caused by a change seen as it happened. `bulk`: the
 * catch-up after the initial sync or on becoming leader (adoption), which may hold thousands
 * of keys. A ready live key runs before ready bulk keys, unless the oldest bulk key has waited
 * `bulkAgingMs` since it became ready: then it goes first, so bulk work is never starved.
 */
export type Lane = 'live' | 'bulk';
export const DEFAULT_BULK_AGING_MS = 10_000;

interface Scheduled {
  wait: Wait;
  dueAt: number;
  timer: unknown;
}

/** What made a run fail, and how the error asks to be retried. */
interface Failure {
  error: unknown;
  hint: RetryHint;
}

function failed(error: unknown): Failure {
  return { error, hint: retryHintOf(error) };
}

/**
 * A keyed work queue: each key is a unit of reconcile work, identified by name,
 * never by what an event said. A key is in exactly one of these states:
 *
 * - scheduled: waiting on a timer, for a quiet period after adds, for a retry
 *   after a failed run, or for both;
 * - ready: due, waiting for a free slot, first come, first served within its lane (see Lane);
 * - in flight: its handler runs; an add marks it dirty, to run once more after.
 *
 * No key is ever dropped, except by drain: a failed run is retried, with a
 * delay picked by the error's retry class (see retryDelay), until it succeeds.
 * Each run gets its own AbortSignal, aborted at its deadline (`handlerTimeoutMs`)
 * or when a drain times out. A handler that ignores its signal keeps its key in
 * flight: the queue never runs one key twice at once.
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
  readonly #handlerTimeoutMs: number | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onDepthChange: WorkQueueOptions['onDepthChange'];
  readonly #onWait: WorkQueueOptions['onWait'];
  readonly #onFailure: WorkQueueOptions['onFailure'];
  readonly #onRecovered: WorkQueueOptions['onRecovered'];
  readonly #onFailingChange: WorkQueueOptions['onFailingChange'];
  readonly #onRunEnd: WorkQueueOptions['onRunEnd'];
  readonly #onLaneDepthChange: WorkQueueOptions['onLaneDepthChange'];
  readonly #bulkAgingMs: number;

  readonly #scheduled = new Map<string, Scheduled>();
  /** Keys with the time they became due, per lane; insertion-ordered, so taken first come, first served. */
  readonly #ready = { live: new Map<string, number>(), bulk: new Map<string, number>() };
  /** The lane of each waiting key (scheduled, ready or dirty): live once any add since its last run was live. */
  readonly #lanes = new Map<string, Lane>();
  /** Keys whose handler runs, with the controller of that run's signal. */
  readonly #inFlight = new Map<string, AbortController>();
  /** Keys added while in flight, with the time of the first such add. */
  readonly #dirty = new Map<string, number>();
  /** Failed runs in a row, per key that has not succeeded since. */
  readonly #failures = new Map<string, number>();
  #idleWaiters: Array<() => void> = [];
  #started = false;
  #draining = false;
  #pumpQueued = false;
  #reportedDepth = 0;
  #reportedFailing = 0;
  #reportedLaneDepth = { live: 0, bulk: 0 };

  constructor(handler: WorkHandler, options: WorkQueueOptions) {
    checkWorkQueueOptions(options);
    const { debounceMs, debounceMaxMs = 0, concurrency, backoff, handlerTimeoutMs } = options;
    this.#handler = handler;
    this.#quiet = { debounceMs, debounceMaxMs };
    this.#concurrency = concurrency;
    this.#backoff = { ...backoff };
    this.#handlerTimeoutMs = handlerTimeoutMs;
    this.#clock = options.clock ?? createSystemClock();
    this.#random = options.random ?? Math.random;
    this.#onDepthChange = options.onDepthChange;
    this.#onWait = options.onWait;
    this.#onFailure = options.onFailure;
    this.#onRecovered = options.onRecovered;
    this.#onFailingChange = options.onFailingChange;
    this.#onRunEnd = options.onRunEnd;
    this.#onLaneDepthChange = options.onLaneDepthChange;
    this.#bulkAgingMs = options.bulkAgingMs ?? DEFAULT_BULK_AGING_MS;
  }

  /** Keys waiting to be processed: scheduled, ready, or dirty while in flight. */
  get depth(): number {
    return this.#scheduled.size + this.#ready.live.size + this.#ready.bulk.size + this.#dirty.size;
  }

  /**
   * Whether `key` has a run to come (scheduled, ready, in flight or dirty) and is not
   * failing: work that others may wait for, since it is expected to end soon and well.
   */
  isDueAndHealthy(key: string): boolean {
    if (this.#failures.has(key)) return false;
    return this.#scheduled.has(key) || this.#isReady(key) || this.#inFlight.has(key) || this.#dirty.has(key);
  }

  /**
   * Asks for `key` to be processed. Adds merge: one run covers every add made
   * before it starts, and an add during a run causes exactly one more run.
   * A live add moves a waiting bulk key into the live lane. Ignored once the queue drains.
   */
  add(key: string, lane: Lane = 'live'): void {
    if (this.#draining) return;
    const now = this.#clock.now();
    const wasBulk = this.#lanes.get(key) === 'bulk';
    this.#lanes.set(key, this.#lanes.get(key) === 'live' || lane === 'live' ? 'live' : 'bulk');
    if (this.#inFlight.has(key)) {
      if (!this.#dirty.has(key)) this.#dirty.set(key, now);
      this.#reportDepth();
      return;
    }
    const readyAt = this.#ready.bulk.get(key);
    if (wasBulk && lane === 'live' && readyAt !== undefined) {
      this.#ready.bulk.delete(key);
      this.#ready.live.set(key, readyAt);
      this.#reportDepth();
      return;
    }
    if (this.#isReady(key)) return;
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
   * flight. After `timeoutMs` it aborts their signals and resolves anyway, so a
   * shutdown never outlives its grace period. Failures from here on are not
   * retried and not reported.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.#draining) {
      this.#draining = true;
      for (const { timer } of this.#scheduled.values()) this.#clock.clearTimeout(timer);
      this.#scheduled.clear();
      this.#ready.live.clear();
      this.#ready.bulk.clear();
      this.#dirty.clear();
      this.#lanes.clear();
      // Failures of dropped keys will never be retried: they stop counting as failing.
      for (const key of this.#failures.keys()) if (!this.#inFlight.has(key)) this.#failures.delete(key);
      this.#reportDepth();
      this.#reportFailing();
      this.#settleIdle();
    }
    if (this.#inFlight.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        const reason = new Error(`work queue drain timed out after ${timeoutMs}ms`);
        for (const run of this.#inFlight.values()) run.abort(reason);
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
    this.#ready[this.#lanes.get(key) ?? 'live'].set(key, this.#clock.now());
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
    const started: Array<[key: string, waitedMs: number, lane: Lane]> = [];
    while (this.#inFlight.size < this.#concurrency) {
      const lane = this.#nextLane();
      if (lane === undefined) break;
      const [key, readyAt] = this.#ready[lane].entries().next().value as [string, number];
      this.#ready[lane].delete(key);
      this.#lanes.delete(key);
      void this.#run(key, lane);
      started.push([key, this.#clock.now() - readyAt, lane]);
    }
    this.#reportDepth();
    for (const [key, waitedMs, lane] of started) this.#onWait?.(key, waitedMs, lane);
  }

  /** Live first, unless the oldest ready bulk key has waited its aging bound. */
  #nextLane(): Lane | undefined {
    const oldestBulk = this.#ready.bulk.values().next();
    if (!oldestBulk.done && this.#clock.now() - oldestBulk.value >= this.#bulkAgingMs) return 'bulk';
    if (this.#ready.live.size > 0) return 'live';
    return this.#ready.bulk.size > 0 ? 'bulk' : undefined;
  }

  #isReady(key: string): boolean {
    return this.#ready.live.has(key) || this.#ready.bulk.has(key);
  }

  async #run(key: string, lane: Lane): Promise<void> {
    const run = new AbortController();
    this.#inFlight.set(key, run);
    const failure = await this.#runHandler(key, run);
    this.#inFlight.delete(key);

    const now = this.#clock.now();
    const dirtySince = this.#dirty.get(key);
    this.#dirty.delete(key);
    const wait: Wait = {};
    // The run's end counts as the latest add: changes it may have missed get a full quiet period.
    if (dirtySince !== undefined) wait.changes = { firstAt: dirtySince, lastAt: now };

    const failedBefore = this.#failures.get(key) ?? 0;
    const attempt = failedBefore + 1;
    let delayMs = 0;
    if (failure) {
      const { hint } = failure;
      const delay = retryDelay(this.#backoff, hint, attempt, this.#random);
      wait.retry = { at: now + delay, notBefore: now + (hint.retryAfterMs ?? 0) };
      delayMs = dueAt(wait, this.#quiet) - now;
      this.#failures.set(key, attempt);
    } else {
      this.#failures.delete(key);
    }
    if (this.#draining) this.#failures.delete(key);
    else if (wait.changes || wait.retry) {
      // A retry alone keeps the run's lane; adds made during the run chose theirs.
      if (!this.#lanes.has(key)) this.#lanes.set(key, lane);
      this.#schedule(key, wait);
    }
    this.#reportDepth();
    this.#reportFailing();
    this.#queuePump();
    this.#settleIdle();

    // Callbacks last: the queue's own state is consistent even if one throws.
    if (failure && !this.#draining) {
      this.#onFailure?.(key, failure.error, delayMs, attempt, failure.hint.retry);
    }
    if (!failure && failedBefore > 0) this.#onRecovered?.(key, failedBefore);
    if (!this.#draining) this.#onRunEnd?.(key, lane);
  }

  /** Runs the handler under the run's deadline; returns what made the run fail, if anything. */
  async #runHandler(key: string, run: AbortController): Promise<Failure | undefined> {
    const timeoutMs = this.#handlerTimeoutMs;
    const deadline =
      timeoutMs === undefined
        ? undefined
        : this.#clock.setTimeout(() => {
            run.abort(new DOMException(`the run for ${key} passed its ${timeoutMs}ms deadline`, 'TimeoutError'));
          }, timeoutMs);
    try {
      await this.#handler(key, run.signal);
    } catch (error) {
      return failed(error);
    } finally {
      if (deadline !== undefined) this.#clock.clearTimeout(deadline);
    }
    // A run cut short may have stopped halfway even if its handler swallowed the abort.
    return run.signal.aborted ? failed(run.signal.reason) : undefined;
  }

  #isIdle(): boolean {
    return this.#scheduled.size === 0 && this.#ready.live.size === 0 && this.#ready.bulk.size === 0 && this.#inFlight.size === 0;
  }

  #settleIdle(): void {
    if (!this.#isIdle() || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #reportDepth(): void {
    const depth = this.depth;
    if (depth !== this.#reportedDepth) {
      this.#reportedDepth = depth;
      this.#onDepthChange?.(depth);
    }
    if (!this.#onLaneDepthChange) return;
    const byLane = { live: 0, bulk: 0 };
    for (const lane of this.#lanes.values()) byLane[lane] += 1;
    if (byLane.live === this.#reportedLaneDepth.live && byLane.bulk === this.#reportedLaneDepth.bulk) return;
    this.#reportedLaneDepth = byLane;
    this.#onLaneDepthChange(byLane);
  }

  #reportFailing(): void {
    const failing = this.#failures.size;
    if (failing === this.#reportedFailing) return;
    this.#reportedFailing = failing;
    this.#onFailingChange?.(failing);
  }
}
