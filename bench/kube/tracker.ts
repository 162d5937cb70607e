import type { KubeApi } from './api.ts';
import { keepWatching, type KubeObject } from './watch.ts';

export interface TrackerOptions<T extends KubeObject, P> {
  api: KubeApi;
  /** e.g. /apis/apps/v1/deployments or /apis/apps/v1/namespaces/x/deployments */
  collectionPath: string;
  labelSelector?: string;
  /** Reduces each object to what the scenario needs, so the bench holds no full objects. */
  project: (object: T) => P;
  /** The key an object is kept under; "namespace/name" unless given. */
  keyOf?: (object: T) => string;
}

interface Waiter {
  check: () => boolean;
  resolve: (arrivedAt: number) => void;
}

/**
 * A list-then-watch view of one collection, keyed "namespace/name" (or `keyOf`), with waiters that
 * resolve at the arrival time of the event that made their condition true.
 */
export class Tracker<T extends KubeObject, P> {
  readonly current = new Map<string, P>();
  readonly #options: TrackerOptions<T, P>;
  readonly #abort = new AbortController();
  readonly #waiters = new Set<Waiter>();
  readonly #listeners = new Set<(key: string, value: P | undefined, arrivedAt: number) => void>();
  #done: Promise<void> = Promise.resolve();

  constructor(options: TrackerOptions<T, P>) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { api, collectionPath, labelSelector, project, keyOf: key = keyOf } = this.#options;
    const query: Record<string, string> = labelSelector ? { labelSelector } : {};
    const { items, resourceVersion } = await api.listAll<T>(collectionPath, query);
    for (const item of items) this.current.set(key(item), project(item));
    this.#done = keepWatching<T>(
      api,
      collectionPath,
      query,
      resourceVersion,
      (type, object, arrivedAt) => {
        if (type === 'BOOKMARK') return;
        const at = key(object);
        const value = type === 'DELETED' ? undefined : project(object);
        if (value === undefined) this.current.delete(at);
        else this.current.set(at, value);
        for (const listener of this.#listeners) listener(at, value, arrivedAt);
        for (const waiter of this.#waiters) {
          if (!waiter.check()) continue;
          this.#waiters.delete(waiter);
          waiter.resolve(arrivedAt);
        }
      },
      this.#abort.signal,
    );
    this.#done.catch(() => undefined);
  }

  /** Called for every change after start(), with the event's arrival time. */
  onChange(listener: (key: string, value: P | undefined, arrivedAt: number) => void): void {
    this.#listeners.add(listener);
  }

  /** Resolves with the arrival time of the event after which `check` holds (now, if it already does). */
  waitUntil(check: () => boolean, description: string, timeoutMs = 60_000): Promise<number> {
    if (check()) return Promise.resolve(performance.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done.catch(() => undefined);
  }
}

export function keyOf(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
