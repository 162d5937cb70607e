import type { Logger } from 'pino';

/**
 * What keeps the controller from being ready, one problem per start-up call, for /readyz
 * and the log. A problem is logged once at level 50 when it appears or changes, as one
 * sentence without a stack trace (the error follows at debug level); its retries log at
 * debug level only, and its end at info.
 */
export class StartUpReport {
  readonly #logger: Logger;
  /** Insertion order: the oldest problem is the one /readyz names first. */
  readonly #problems = new Map<string, string>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  waiting(key: string, message: string, error?: unknown): void {
    // Many calls fail for one reason (no apiserver): the reason is logged once, not per call.
    const known = [...this.#problems.values()].includes(message);
    this.#problems.set(key, message);
    if (known) this.#logger.debug({ call: key }, `still waiting: ${message}`);
    else this.#logger.error(message);
    if (error !== undefined) this.#logger.debug({ call: key, err: error }, 'the error behind that start-up problem');
  }

  resolved(key: string): void {
    const message = this.#problems.get(key);
    if (message === undefined) return;
    this.#problems.delete(key);
    if (![...this.#problems.values()].includes(message)) this.#logger.info({ was: message }, 'start-up problem resolved');
  }

  /** The first problem, and how many more there are; undefined when there is none. */
  reason(): string | undefined {
    const [first, ...rest] = new Set(this.#problems.values());
    if (first === undefined) return undefined;
    return rest.length === 0 ? first : `${first} (and ${rest.length} more: see the log)`;
  }
}
