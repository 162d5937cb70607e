import type { WorkloadKind } from '../api/constants.ts';
import type { Metrics } from './metrics.ts';

/** What the controller reports; main.ts maps it onto Prometheus metrics. */
export interface ControllerObserver {
  reconciled(type: 'workload' | 'status', result: 'success' | 'retry', seconds: number): void;
  patched(kind: WorkloadKind, type: 'template' | 'record'): void;
  rolled(kind: WorkloadKind, reason: string): void;
  statusWritten(): void;
  queueDepth(depth: number): void;
  watchRestarted(resource: string, reason: string): void;
  watchEvent(resource: string, type: string): void;
  watchHandlerError(resource: string): void;
}

/** Reports what the controller does on its Prometheus metrics. */
export function metricsObserver(metrics: Metrics): ControllerObserver {
  return {
    reconciled: (type, result, seconds) => {
      metrics.reconcilesTotal.inc({ kind: type, result });
      metrics.reconcileDurationSeconds.observe(seconds);
    },
    patched: (kind, type) => metrics.patchesTotal.inc({ kind, type }),
    rolled: (kind, reason) => metrics.rolloutsTotal.inc({ kind, reason }),
    statusWritten: () => metrics.patchesTotal.inc({ kind: 'AppConfig', type: 'status' }),
    queueDepth: (depth) => metrics.queueDepth.set(depth),
    watchRestarted: (resource, reason) => metrics.watchRestartsTotal.inc({ resource, reason }),
    watchEvent: (resource, type) => metrics.watchEventsTotal.inc({ resource, type }),
    watchHandlerError: (resource) => metrics.watchHandlerErrorsTotal.inc({ resource }),
  };
}
