import { randomBytes } from 'node:crypto';
import { V1MicroTime, type EventsV1Api } from '@kubernetes/client-node';
import { classifyApiError } from '../errors.ts';
import type { Logger } from 'pino';

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

/** Records events.k8s.io/v1 Events. Failing to record one is logged, never fatal. */
export class EventRecorder {
  readonly #api: EventsV1Api;
  readonly #instance: string;
  readonly #logger: Logger;

  constructor(api: EventsV1Api, instance: string, logger: Logger) {
    this.#api = api;
    this.#instance = instance;
    this.#logger = logger;
  }

  async record(event: EventToRecord): Promise<void> {
    const { regarding } = event;
    try {
      await this.#api.createNamespacedEvent({
        namespace: regarding.namespace,
        body: {
          // generateName would end in '.', which Event names may not; name it as client-go does.
          metadata: { name: `${regarding.name.slice(0, 200)}.${randomBytes(8).toString('hex')}`, namespace: regarding.namespace },
          eventTime: new V1MicroTime(),
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
    } catch (err) {
      this.#logger.warn({ reason: event.reason, regarding: `${regarding.kind}/${regarding.namespace}/${regarding.name}`, err: classifyApiError(err, 'create Event').message }, 'could not record event');
    }
  }
}

function reference(subject: EventSubject) {
  return { apiVersion: subject.apiVersion, kind: subject.kind, namespace: subject.namespace, name: subject.name, uid: subject.uid };
}
