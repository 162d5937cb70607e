import { createSystemClock, sleep } from '../clock.ts';
import { notificationBody, type Notification, type NotifyFormat } from '../core/notification.ts';

export type NotifyResult = 'sent' | 'failed' | 'dropped';

export interface NotifierOptions {
  /** The webhook URL: a credential, never logged or put into an error. */
  readonly url: string;
  readonly format: NotifyFormat;
  /** Per attempt. */
  readonly timeoutMs?: number;
  /** Attempts per notification, the first included. */
  readonly attempts?: number;
  /** Before the second attempt; doubled for each further one. */
  readonly backoffMs?: number;
  /** Notifications waiting to be sent; a new one beyond this is dropped (and counted). */
  readonly queueLimit?: number;
  readonly onResult?: (result: NotifyResult) => void;
  /** Told why a notification was not sent: the HTTP status or the kind of error, never the URL. */
  readonly onFailure?: (reason: string) => void;
}

const RETRYABLE_STATUS = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/**
 * POSTs notifications in the background, one at a time, in order. `notify` never blocks and
 * never throws: a reconcile hands a notification over and goes on. A slow or failing receiver
 * costs only its own timeouts and retries; when it falls behind by `queueLimit`, new
 * notifications are dropped and counted.
 */
export class Notifier {
  readonly #options: Required<Omit<NotifierOptions, 'onResult' | 'onFailure'>> & Pick<NotifierOptions, 'onResult' | 'onFailure'>;
  readonly #queue: Notification[] = [];
  readonly #stopped = new AbortController();
  #sending: Promise<void> | undefined;

  constructor(options: NotifierOptions) {
    this.#options = { timeoutMs: 5000, attempts: 3, backoffMs: 1000, queueLimit: 100, ...options };
  }

  notify(notification: Notification): void {
    if (this.#stopped.signal.aborted) return;
    if (this.#queue.length >= this.#options.queueLimit) {
      this.#options.onResult?.('dropped');
      return;
    }
    this.#queue.push(notification);
    this.#sending ??= this.#drain().finally(() => {
      this.#sending = undefined;
    });
  }

  /** Notifications waiting, the one being sent included. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Stops sending; waits at most `graceMs` for the notification in flight. */
  async stop(graceMs = 2000): Promise<void> {
    this.#queue.length = 0;
    const inFlight = this.#sending;
    await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    this.#stopped.abort();
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue[0]; next !== undefined && !this.#stopped.signal.aborted; next = this.#queue[0]) {
      const result = await this.#send(next);
      this.#queue.shift();
      this.#options.onResult?.(result);
    }
  }

  async #send(notification: Notification): Promise<NotifyResult> {
    const body = JSON.stringify(notificationBody(notification, this.#options.format));
    for (let attempt = 1; attempt <= this.#options.attempts; attempt++) {
      if (attempt > 1) await sleep(createSystemClock(), this.#options.backoffMs * 2 ** (attempt - 2), this.#stopped.signal);
      if (this.#stopped.signal.aborted) return 'failed';
      try {
        const response = await fetch(this.#options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(this.#options.timeoutMs)]),
        });
        await response.body?.cancel();
        if (response.ok) return 'sent';
        this.#options.onFailure?.(`HTTP ${response.status}`);
        if (!RETRYABLE_STATUS(response.status)) return 'failed';
      } catch (error) {
        this.#options.onFailure?.((error as Error).name === 'TimeoutError' ? 'timeout' : 'no connection');
      }
    }
    return 'failed';
  }
}
