import type { ControllerObserver } from '../controller.ts';
import type { Metrics } from './metrics.ts';

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
  };
}
