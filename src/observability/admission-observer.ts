import type { Metrics } from './metrics.ts';

/** What the admission webhook reports; main.ts maps it onto Prometheus metrics. */
export interface AdmissionObserver {
  /** outcome: the admission decision's reason, a small closed set (Created, KeptLive, NotCovered, …). */
  reviewed(kind: string, operation: string, outcome: string): void;
  /** One request to /mutate answered, with how long it took and its HTTP status. */
  answered(seconds: number, status: number): void;
}

/** Reports what the webhook does on its Prometheus metrics. */
export function admissionMetricsObserver(metrics: Metrics): AdmissionObserver {
  return {
    reviewed: (kind, operation, outcome) => metrics.admissionReviewsTotal.inc({ kind, operation, outcome }),
    answered: (seconds, status) => metrics.admissionDurationSeconds.observe({ code: String(status) }, seconds),
  };
}
