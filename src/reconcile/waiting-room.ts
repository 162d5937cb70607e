import type { WorkKey } from './work-key.ts';
import { encodeWorkKey } from './work-key.ts';

/**
 * Workloads a rollout gate told to wait for a free slot (--max-concurrent-rollouts, or a
 * staged AppConfig). Any rollout that makes progress may free a slot, so each such change
 * wakes them all; each decides again and, if it still has to wait, comes back here.
 */
export class WaitingRoom {
  readonly #waiting = new Map<string, WorkKey>();

  wait(key: WorkKey): void {
    this.#waiting.set(encodeWorkKey(key), key);
  }

  /** Hands every waiting key to `enqueue` and empties the room. */
  wakeAll(enqueue: (key: WorkKey) => void): void {
    const keys = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const key of keys) enqueue(key);
  }

  get size(): number {
    return this.#waiting.size;
  }
}
