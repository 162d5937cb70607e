import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, V1MicroTime } from '@kubernetes/client-node';
import type { EventCalls } from './json-clients.ts';
import type { Logger } from 'pino';
import { classifyApiError } from '../errors.ts';

export interface EventSubject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface EventToRecord {
  regarding: EventSubject;
  related?: EventSubject;
  type: 'Normal' | 'Warning';
  /** CamelCase, e.g. ConfigChanged, MissingReference. */
  reason: string;
  /** Verb, e.g. Rollout, Baseline, Validate. */
  action: string;
  /** Human text. Callers name objects and checksums, never Secret values. */
  note: string;
}

export interface EventRecorderOptions {
  /** Identical events within this window become one Event with a growing series count. */
  aggregationWindowMs?: number;
  /** Events waiting to be sent; beyond it the oldest are dropped (and logged). */
  maxPending?: number;
  now?: () => number;
}

interface Sent {
  readonly namespace: string;
  readonly name: string;
  readonly firstSentAt: number;
  count: number;
}

const DEFAULT_WINDOW_MS = 10 * 60_000;
const DEFAULT_MAX_PENDING = 1000;

/**
 * Records events.k8s.io/v1 Events off the reconcile path: `record` only queues, and one
 * sender works through the queue in the background, so a slow or failing Events API never
 * holds a worker. Like client-go's recorder, it aggregates: an event identical to one sent
 * within the window (same object, reason, type and note) updates that Event's series count
 * instead of creating another. Failing to record one is logged, never fatal.
 */
export class EventRecorder {
  readonly #api: EventCalls;
  readonly #instance: string;
  readonly #logger: Logger;
  readonly #windowMs: number;
  readonly #maxPending: number;
  readonly #now: () => number;
  readonly #pending: EventToRecord[] = [];
  readonly #sent = new Map<string, Sent>();
  #sending: Promise<void> | undefined;

  constructor(api: EventCalls, instance: string, logger: Logger, options: EventRecorderOptions = {}) {
    this.#api = api;
    this.#instance = instance;
    this.#logger = logger;
    this.#windowMs = options.aggregationWindowMs ?? DEFAULT_WINDOW_MS;
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.#now = options.now ?? Date.now;
  }

  record(event: EventToRecord): void {
    if (this.#pending.length >= this.#maxPending) {
      const dropped = this.#pending.shift();
      this.#logger.warn({ reason: dropped?.reason }, 'too many Events waiting to be sent; dropped the oldest');
    }
    this.#pending.push(event);
    this.#sending ??= this.#sendAll().finally(() => (this.#sending = undefined));
  }

  /** Resolves once every queued Event was sent (or failed): for shutdown and tests. */
  async flushed(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #sendAll(): Promise<void> {
    for (let event = this.#pending.shift(); event; event = this.#pending.shift()) {
      try {
        await this.#send(event);
      } catch (err) {
        const { regarding } = event;
        this.#logger.warn(
          { reason: event.reason, regarding: `${regarding.kind}/${regarding.namespace}/${regarding.name}`, err: classifyApiError(err, 'record Event').message },
          'could not record event',
        );
      }
    }
  }

  async #send(event: EventToRecord): Promise<void> {
    const now = this.#now();
    this.#forgetOlderThan(now - this.#windowMs);
    const key = aggregationKey(event);
    const sent = this.#sent.get(key);
    if (sent) {
      sent.count += 1;
      await this.#api.patchNamespacedEvent(
        { namespace: sent.namespace, name: sent.name, body: { series: { count: sent.count, lastObservedTime: new V1MicroTime(now) } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return;
    }
    const { regarding } = event;
    // generateName would end in '.', which Event names may not; name it as client-go does.
    const name = `${regarding.name.slice(0, 200)}.${randomBytes(8).toString('hex')}`;
    await this.#api.createNamespacedEvent({
      namespace: regarding.namespace,
      body: {
        metadata: { name, namespace: regarding.namespace },
        eventTime: new V1MicroTime(now),
        reportingController: 'confighash.dev/controller',
        reportingInstance: this.#instance.slice(0, 128),
        action: event.action,
        reason: event.reason,
        type: event.type,
        note: event.note.slice(0, 1024),
        regarding: reference(regarding),
        ...(event.related ? { related: reference(event.related) } : {}),
      },
    });
    this.#sent.set(key, { namespace: regarding.namespace, name, firstSentAt: now, count: 1 });
  }

  #forgetOlderThan(cutoff: number): void {
    for (const [key, sent] of this.#sent) if (sent.firstSentAt < cutoff) this.#sent.delete(key);
  }
}

function aggregationKey(event: EventToRecord): string {
  return JSON.stringify([event.regarding.uid, event.related?.uid ?? '', event.type, event.reason, event.action, event.note]);
}

function reference(subject: EventSubject) {
  return { apiVersion: subject.apiVersion, kind: subject.kind, namespace: subject.namespace, name: subject.name, uid: subject.uid };
}
