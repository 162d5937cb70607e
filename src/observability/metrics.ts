import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The controller's metrics, on a registry of their own (never prom-client's
 * global one), so every test and every process builds a fresh set.
 *
 * Label values are always small closed sets (a kind, a result, a reason);
 * never an object name, a namespace or a value.
 */
export interface Metrics {
  readonly registry: Registry;
  /** kind: what was reconciled (workload | status); result: success | retry (failed, retried later). */
  readonly reconcilesTotal: Counter<'kind' | 'result'>;
  /** Rollouts started by a template patch; reason: why (the decision's reason, e.g. ContentChanged). */
  readonly rolloutsTotal: Counter<'kind' | 'reason'>;
  /** AppConfigs whose rollout is halted and waits for someone to look (0 on a replica that does not lead). */
  readonly rolloutsHalted: Gauge;
  /**
   * Writes, by the kind of object they are about: type template (a workload's pod template:
   * rolls the pods), record (its WorkloadRecord: never rolls), status (an AppConfig status).
   */
  readonly patchesTotal: Counter<'kind' | 'type'>;
  readonly queueDepth: Gauge;
  /** How long a due key waited for a free worker (like client-go's workqueue_queue_duration_seconds). */
  /** lane: live (a change seen as it happened) | bulk (catch-up after the initial sync or on becoming leader). */
  readonly queueDurationSeconds: Histogram<'lane'>;
  readonly queueLaneDepth: Gauge<'lane'>;
  /** Failed runs, each retried; class: conflict | backoff | cap (the RetryClass that picked the delay). */
  readonly queueRetriesTotal: Counter<'class'>;
  /** Keys (workloads, AppConfig statuses) whose latest reconcile failed and which wait for their retry. */
  readonly queueFailingKeys: Gauge;
  readonly reconcileDurationSeconds: Histogram;
  /** API requests by Kubernetes verb and HTTP status code (`<error>`: no response, e.g. a timeout). */
  readonly apiRequestsTotal: Counter<'verb' | 'code'>;
  /** Time to the response headers of an API request, by verb. */
  readonly apiRequestDurationSeconds: Histogram<'verb'>;
  /** resource: ConfigMap | Secret | AppConfig | a workload kind; reason: e.g. expired | error | closed. */
  readonly watchRestartsTotal: Counter<'resource' | 'reason'>;
  /** type: ADDED | MODIFIED | DELETED | BOOKMARK | ERROR (bookmarks arrive about once a minute on a live watch). */
  readonly watchEventsTotal: Counter<'resource' | 'type'>;
  /** A watch event whose handler threw: logged, counted, and the collection listed again. */
  readonly watchHandlerErrorsTotal: Counter<'resource'>;
  /** Chat notifications (--notify-url); result: sent | failed (after its retries) | dropped (the queue was full). */
  readonly notificationsTotal: Counter<'result'>;
  /** 1 while this replica holds the leader Lease (or runs without election), else 0. */
  readonly leader: Gauge;
  /** AdmissionReviews answered; outcome: the admission decision's reason (e.g. Created, KeptLive, NotCovered). */
  readonly admissionReviewsTotal: Counter<'kind' | 'operation' | 'outcome'>;
  /** Time from a request's arrival at the webhook to its answer; code: the HTTP status. */
  readonly admissionDurationSeconds: Histogram<'code'>;
}

/** Registers the metrics and the default process metrics on `registry`; call once per registry. */
export function createMetrics(registry: Registry = new Registry()): Metrics {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconcilesTotal: new Counter({
      name: 'confighash_reconciles_total',
      help: 'Reconciles finished, by what was reconciled (kind: workload, or status for an AppConfig status) and result.',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    rolloutsTotal: new Counter({
      name: 'confighash_rollouts_total',
      help: 'Rollouts started by changing the checksum annotation of a pod template.',
      labelNames: ['kind', 'reason'] as const,
      registers,
    }),
    patchesTotal: new Counter({
      name: 'confighash_patches_total',
      help: 'Writes by the controller: template (a pod template: rolls the pods), record (a WorkloadRecord), status (an AppConfig status).',
      labelNames: ['kind', 'type'] as const,
      registers,
    }),
    rolloutsHalted: new Gauge({
      name: 'confighash_rollouts_halted',
      help: 'AppConfigs whose rollout is halted; their status says why.',
      registers,
    }),
    queueDepth: new Gauge({
      name: 'confighash_queue_depth',
      help: 'Keys waiting in the reconcile queue: workloads and AppConfig statuses.',
      registers,
    }),
    queueLaneDepth: new Gauge({
      name: 'confighash_queue_lane_depth',
      help: 'Keys waiting in the reconcile queue by lane: live (changes seen as they happened) or bulk (catch-up after the initial sync or on becoming leader, such as adoption).',
      labelNames: ['lane'] as const,
      registers,
    }),
    queueDurationSeconds: new Histogram({
      name: 'confighash_queue_duration_seconds',
      help: 'How long a due key waited for a free worker before its reconcile started (not its quiet period or retry delay), by lane (live, bulk).',
      labelNames: ['lane'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    }),
    queueRetriesTotal: new Counter({
      name: 'confighash_queue_retries_total',
      help: 'Failed reconciles put back in the queue, by retry class: conflict (quick retry), backoff, cap (longest delay).',
      labelNames: ['class'] as const,
      registers,
    }),
    queueFailingKeys: new Gauge({
      name: 'confighash_queue_failing_keys',
      help: 'Workloads and AppConfig statuses whose latest reconcile failed, waiting for their retry.',
      registers,
    }),
    reconcileDurationSeconds: new Histogram({
      name: 'confighash_reconcile_duration_seconds',
      help: 'Time taken by one reconcile, including API calls.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    apiRequestsTotal: new Counter({
      name: 'confighash_api_requests_total',
      help: 'Kubernetes API requests, by verb and HTTP status code (<error> when no response came).',
      labelNames: ['verb', 'code'] as const,
      registers,
    }),
    apiRequestDurationSeconds: new Histogram({
      name: 'confighash_api_request_duration_seconds',
      help: 'Time from sending a Kubernetes API request to its response headers, by verb.',
      labelNames: ['verb'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    watchRestartsTotal: new Counter({
      name: 'confighash_watch_restarts_total',
      help: 'Watches restarted, by resource and reason.',
      labelNames: ['resource', 'reason'] as const,
      registers,
    }),
    watchEventsTotal: new Counter({
      name: 'confighash_watch_events_total',
      help: 'Watch events received, by resource and event type.',
      labelNames: ['resource', 'type'] as const,
      registers,
    }),
    watchHandlerErrorsTotal: new Counter({
      name: 'confighash_watch_handler_errors_total',
      help: 'Watch events whose handler failed; the collection is listed again.',
      labelNames: ['resource'] as const,
      registers,
    }),
    notificationsTotal: new Counter({
      name: 'confighash_notifications_total',
      help: 'Notifications after rollouts, halts and resumes, by result: sent, failed (after bounded retries) or dropped (queue full).',
      labelNames: ['result'] as const,
      registers,
    }),
    leader: new Gauge({
      name: 'confighash_leader',
      help: '1 while this replica is the active leader, else 0.',
      registers,
    }),
    admissionReviewsTotal: new Counter({
      name: 'confighash_admission_reviews_total',
      help: 'AdmissionReviews answered by the webhook, by workload kind, operation and outcome (the decision reason).',
      labelNames: ['kind', 'operation', 'outcome'] as const,
      registers,
    }),
    admissionDurationSeconds: new Histogram({
      name: 'confighash_admission_duration_seconds',
      help: 'Time from the arrival of an AdmissionReview request at the webhook to its answer, by HTTP status.',
      labelNames: ['code'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}
