import type { WorkloadKind } from '../api/constants.ts';
import type { RetryClass } from '../queue/retry-delay.ts';
import type { ApiVerb } from '../k8s/api-verb.ts';
import type { Metrics } from './metrics.ts';

/** What the controller reports; main.ts maps it onto Prometheus metrics. */
export interface ControllerObserver {
  reconciled(type: 'workload' | 'status', result: 'success' | 'retry', seconds: number): void;
  patched(kind: WorkloadKind, type: 'template' | 'record'): void;
  rolled(kind: WorkloadKind, reason: string): void;
  /** The number of AppConfigs whose rollout is halted, whenever it changes. */
  rolloutsHalted(count: number): void;
  statusWritten(): void;
  queueDepth(depth: number): void;
  /** A due key waited this long for a free worker before its reconcile started. */
  queueWaited(seconds: number, lane: 'live' | 'bulk'): void;
  queueLaneDepth(byLane: { live: number; bulk: number }): void;
  /** A failed reconcile went back to the queue, with the retry class that picks its delay. */
  queueRetried(retry: RetryClass): void;
  /** The number of keys whose latest reconcile failed, whenever it changes. */
  queueFailing(count: number): void;
  /** One API request answered with HTTP status `code` (undefined: no response) after `seconds`. */
  apiRequest(verb: ApiVerb, code: number | undefined, seconds: number): void;
  watchRestarted(resource: string, reason: string): void;
  watchEvent(resource: string, type: string): void;
  watchHandlerError(resource: string): void;
  /** A notification was sent, failed after its retries, or was dropped because the queue was full. */
  notified(result: 'sent' | 'failed' | 'dropped'): void;
}

const WATCH_EVENT_TYPES: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** Reports what the controller does on its Prometheus metrics. */
export function metricsObserver(metrics: Metrics): ControllerObserver {
  return {
    reconciled: (type, result, seconds) => {
      metrics.reconcilesTotal.inc({ kind: type, result });
      metrics.reconcileDurationSeconds.observe(seconds);
    },
    patched: (kind, type) => metrics.patchesTotal.inc({ kind, type }),
    rolled: (kind, reason) => metrics.rolloutsTotal.inc({ kind, reason }),
    rolloutsHalted: (count) => metrics.rolloutsHalted.set(count),
    statusWritten: () => metrics.patchesTotal.inc({ kind: 'AppConfig', type: 'status' }),
    queueDepth: (depth) => metrics.queueDepth.set(depth),
    queueWaited: (seconds, lane) => metrics.queueDurationSeconds.observe({ lane }, seconds),
    queueLaneDepth: (byLane) => {
      metrics.queueLaneDepth.set({ lane: 'live' }, byLane.live);
      metrics.queueLaneDepth.set({ lane: 'bulk' }, byLane.bulk);
    },
    queueRetried: (retry) => metrics.queueRetriesTotal.inc({ class: retry }),
    queueFailing: (count) => metrics.queueFailingKeys.set(count),
    apiRequest: (verb, code, seconds) => {
      metrics.apiRequestsTotal.inc({ verb, code: codeLabel(code) });
      metrics.apiRequestDurationSeconds.observe({ verb }, seconds);
    },
    watchRestarted: (resource, reason) => metrics.watchRestartsTotal.inc({ resource, reason }),
    watchEvent: (resource, type) => metrics.watchEventsTotal.inc({ resource, type: WATCH_EVENT_TYPES.has(type) ? type : 'other' }),
    watchHandlerError: (resource) => metrics.watchHandlerErrorsTotal.inc({ resource }),
    notified: (result) => metrics.notificationsTotal.inc({ result }),
  };
}

/** An HTTP status code as a label value; `<error>` (client-go's word) when there was none. */
function codeLabel(code: number | undefined): string {
  return code !== undefined && Number.isInteger(code) && code >= 100 && code <= 599 ? String(code) : '<error>';
}
