import type { Clock } from '../../src/clock.ts';

interface FakeTimer {
  at: number;
  callback: () => void;
}

/** Lets promise callbacks queued so far (and the ones they queue) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that moves only when a test says so. Timers fire in due order, and
 * promise chains they start settle before the next one fires.
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = next.timer.at;
      next.timer.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  #nextDue(limit: number): { id: number; timer: FakeTimer } | undefined {
    let best: { id: number; timer: FakeTimer } | undefined;
    for (const [id, timer] of this.#timers) {
      if (timer.at > limit) continue;
      if (!best || timer.at < best.timer.at || (timer.at === best.timer.at && id < best.id)) best = { id, timer };
    }
    return best;
  }
}
