import type { Logger } from 'pino';
import type { WorkloadKind } from './api/constants.ts';
import type { WorkloadKinds } from './api/workload-kinds.ts';
import type { Config } from './config.ts';
import { hmacKeyId } from './core/checksum.ts';
import type { WorkloadFacts } from './core/types.ts';
import { classifyApiError } from './errors.ts';
import type { ApiClients } from './k8s/api-clients.ts';
import { watchCluster, type ChangeListener } from './k8s/cluster-watcher.ts';
import { EventRecorder } from './k8s/event-recorder.ts';
import { FactStore } from './k8s/fact-store.ts';
import { loadOrCreateHmacKey, type HmacKey } from './k8s/hmac-key.ts';
import { retryUntilStarted, type StartUpReporter } from './k8s/retry-until-started.ts';
import { startUpCallKey, startUpProblem } from './k8s/start-up-problem.ts';
import type { ControllerObserver } from './observability/controller-observer.ts';
import { WorkQueue, type Lane } from './queue/work-queue.ts';
import { AdoptionBaselines } from './reconcile/adoption-baselines.ts';
import { ChangeRouter } from './reconcile/change-router.ts';
import { CoverageLookup, type DesiredChecksum } from './reconcile/coverage-lookup.ts';
import { FailureLog } from './reconcile/failure-log.ts';
import { ReloaderCompat } from './reconcile/reloader-compat.ts';
import { WaitingRoom } from './reconcile/waiting-room.ts';
import { WindowAlarms } from './reconcile/window-alarms.ts';
import type { Notification } from './core/notification.ts';
import { Notifier } from './notify/notifier.ts';
import { failureReporter } from './reconcile/failure-reporter.ts';
import { StatusHold } from './reconcile/status-hold.ts';
import { reconcileStatus, type StatusReconcilerDeps } from './reconcile/status-reconciler.ts';
import { decodeWorkKey, encodeWorkKey, type WorkKey } from './reconcile/work-key.ts';
import { reconcileWorkload, type WorkloadReconcilerDeps } from './reconcile/workload-reconciler.ts';

export interface ControllerOptions {
  config: Config;
  clients: ApiClients;
  /** The workload kinds in effect (src/k8s/workload-kind-discovery.ts). */
  kinds: WorkloadKinds;
  logger: Logger;
  observer: ControllerObserver;
  now?: () => Date;
  /** Whether this replica may write now (its leader Lease is current); default: always. */
  mayWrite?: () => boolean;
  /** Told what keeps the start from completing (for /readyz and the log); default: nobody. */
  startUp?: StartUpReporter;
}

const NO_START_UP_REPORT: StartUpReporter = { waiting: () => undefined, resolved: () => undefined };

const DRAIN_TIMEOUT_MS = 20_000;
/** Events still queued at shutdown get this long; they are information, not state. */
const EVENT_FLUSH_TIMEOUT_MS = 2_000;

/**
 * The controller: watches feed the fact store, the router turns changes into keys, the
 * queue de-duplicates and debounces them, and the reconcilers decide and write.
 * `start` resolves once the initial lists are in (ready); `lead` starts the work.
 */
export class Controller {
  readonly #options: ControllerOptions;
  readonly #store = new FactStore();
  #queue: WorkQueue | undefined;
  #router: ChangeRouter | undefined;
  /** --reloader-annotations: Reloader's annotations count as AppConfigs. */
  #reloader: ReloaderCompat | undefined;
  readonly #notifiers: Notifier[] = [];
  #leading = false;
  #synced = false;
  #watchDone: Promise<void> = Promise.resolve();
  #events: EventRecorder | undefined;
  /** What a desired checksum is computed with, once the HMAC key is loaded. */
  #coverage: { lookup: CoverageLookup; keyId: string } | undefined;
  /** Statuses waiting for their workloads' reconciles, to be written once after them. */
  #statusHold: StatusHold | undefined;

  constructor(options: ControllerOptions) {
    this.#options = options;
  }

  get ready(): boolean {
    return this.#synced;
  }

  get store(): FactStore {
    return this.#store;
  }

  /**
   * The checksum a workload's sources have now, from memory, exactly as the reconciler
   * computes it; undefined until the initial lists are in (the store is no full picture yet).
   * The admission webhook asks this for objects that are not stored yet.
   */
  desiredChecksum(workload: WorkloadFacts): DesiredChecksum | undefined {
    if (!this.#synced || !this.#coverage) return undefined;
    return this.#coverage.lookup.desiredChecksum(workload, this.#coverage.keyId);
  }

  /** Loads the HMAC key, lists everything in scope and keeps watching until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    const { config, clients, logger, observer } = this.#options;
    const now = this.#options.now ?? (() => new Date());
    const hmac = await this.#hmacKey(signal);
    if (!hmac) return;
    const keyId = hmacKeyId(hmac.key);
    const events = new EventRecorder(clients.events, config.identity, logger);
    this.#events = events;
    this.#reloader = config.reloaderAnnotations ? this.#reloaderCompat(events) : undefined;
    const coverage = new CoverageLookup(this.#store, this.#reloader?.appConfigOf);
    this.#coverage = { lookup: coverage, keyId };
    const failures = new FailureLog();
    const refreshStatus = (namespace: string, name: string): void => this.#enqueue({ type: 'status', namespace, name });
    const refreshWorkload = (namespace: string, kind: WorkloadKind, name: string): void => this.#enqueue({ type: 'workload', namespace, kind, name });
    const waitingRoom = new WaitingRoom();
    const recheckLater = (namespace: string, appConfigs: readonly string[], delayMs: number): void => {
      // unref'd: a pending re-check never keeps a stopping controller alive.
      setTimeout(() => {
        for (const name of appConfigs) {
          const appConfig = this.#store.appConfig(namespace, name);
          if (!appConfig) continue;
          refreshStatus(namespace, name);
          for (const workload of coverage.workloadsCoveredBy(appConfig)) refreshWorkload(namespace, workload.kind, workload.name);
        }
      }, delayMs).unref();
    };
    const notifier = config.notify ? this.#notifier(config.notify, observer) : undefined;
    const notify = notifier ? { notify: (n: Notification) => notifier.notify(n) } : {};
    const windowAlarms = new WindowAlarms((namespace, name) => recheckLater(namespace, [name], 0), () => now().getTime());
    signal.addEventListener('abort', () => windowAlarms.stop(), { once: true });
    const mayWrite = this.#options.mayWrite ?? (() => true);
    const reporter = failureReporter({ store: this.#store, coverage, failures, events, logger, refreshStatus });
    const halted = new Set<string>();

    const workloadDeps: WorkloadReconcilerDeps = {
      store: this.#store, coverage, kubeConfig: clients.kubeConfig, kinds: this.#options.kinds, customObjects: clients.customObjects, events, logger, hmacKeyId: keyId,
      rollOnAdoption: config.rollOnAdoption, now, observer, refreshStatus, refreshWorkload, mayWrite, dryRun: config.dryRun,
      waitForTurn: (namespace, kind, name) => waitingRoom.wait({ type: 'workload', namespace, kind, name }),
      waitForWindows: (covering) => windowAlarms.waitForWindows(covering),
      ...notify,
      recheckLater,
      observeApiRequest: (verb, code, seconds) => observer.apiRequest(verb, code, seconds),
      ...(config.maxConcurrentRollouts !== undefined ? { maxConcurrentRollouts: config.maxConcurrentRollouts } : {}),
    };
    const statusDeps: StatusReconcilerDeps = {
      store: this.#store, coverage, kinds: this.#options.kinds, customObjects: clients.customObjects, events, failures, logger, hmacKeyId: keyId, now,
      onWrite: () => observer.statusWritten(),
      observeApiRequest: (verb, code, seconds) => observer.apiRequest(verb, code, seconds),
      onHaltedChange: (namespace, name, isHalted) => {
        const key = `${namespace}/${name}`;
        if (isHalted === halted.has(key)) return;
        if (isHalted) halted.add(key);
        else halted.delete(key);
        observer.rolloutsHalted(halted.size);
      },
      mayWrite, rollOnAdoption: config.rollOnAdoption, dryRun: config.dryRun, ...notify,
      ...(config.maxConcurrentRollouts !== undefined ? { maxConcurrentRollouts: config.maxConcurrentRollouts } : {}),
    };

    this.#statusHold = new StatusHold(Math.max(config.debounceMs, config.debounceMaxMs));
    this.#queue = new WorkQueue((key, signal) => this.#reconcile(key, signal, workloadDeps, statusDeps), {
      debounceMs: config.debounceMs,
      debounceMaxMs: config.debounceMaxMs,
      concurrency: config.concurrency,
      backoff: { initialMs: 200, maxMs: config.retryMaxMs },
      handlerTimeoutMs: config.reconcileTimeoutMs,
      onDepthChange: (depth) => observer.queueDepth(depth),
      onLaneDepthChange: (byLane) => observer.queueLaneDepth(byLane),
      onWait: (_key, waitedMs, lane) => observer.queueWaited(waitedMs / 1000, lane),
      onFailingChange: (failing) => observer.queueFailing(failing),
      onFailure: (key, error, delayMs, attempt, retry) => {
        observer.queueRetried(retry);
        reporter.onFailure(key, error, delayMs, attempt);
      },
      onRecovered: reporter.onRecovered,
      // A status held for this workload is written now, from facts that include its run.
      onRunEnd: (key, lane) => {
        for (const statusKey of this.#statusHold?.release(key) ?? []) this.#queue?.add(statusKey, lane);
      },
    });
    const baselines = new AdoptionBaselines(this.#store, coverage, keyId);
    this.#router = new ChangeRouter(this.#store, coverage, baselines, (key, lane) => this.#enqueue(key, lane), () => waitingRoom.wakeAll((key) => this.#enqueue(key)));

    const watch = watchCluster({
      kubeConfig: clients.kubeConfig,
      store: this.#store,
      // Changes seen before the initial sync are covered by the full pass after it.
      listener: withReloader(this.#reloader, () => this.#synced, {
        sourceChanged: (ns, id) => this.#synced && this.#router?.sourceChanged(ns, id),
        workloadChanged: (a, b) => this.#synced && this.#router?.workloadChanged(a, b),
        appConfigChanged: (a, b) => this.#synced && this.#router?.appConfigChanged(a, b),
        recordChanged: (a, b) => this.#synced && this.#router?.recordChanged(a, b),
      }),
      ...(this.#reloader ? { sourceMarks: this.#reloader.marks } : {}),
      namespaces: config.allNamespaces ? [] : config.namespaces,
      hmacKey: hmac.key,
      kinds: this.#options.kinds,
      logger,
      signal,
      onWatchRestart: (resource, reason) => observer.watchRestarted(resource, reason),
      onEvent: (resource, type) => observer.watchEvent(resource, type),
      onHandlerError: (resource) => observer.watchHandlerError(resource),
      observeApiRequest: (verb, code, seconds) => observer.apiRequest(verb, code, seconds),
      ...this.#startUpHooks(),
    });
    this.#watchDone = watch.done;
    await Promise.race([watch.synced, aborted(signal)]);
    if (signal.aborted) return;
    // Before any live change is stamped: what the pods of every covered workload can have read.
    baselines.takeAtSync();
    this.#store.markSynced();
    this.#synced = true;
    logger.info({ ...this.#store.counts(), keyId, newKey: hmac.created }, 'initial sync complete');
    if (this.#leading) this.#catchUp();
  }

  /** The HMAC key, retried until it loads (undefined if `signal` aborts first); a missing namespace throws CannotStartError. */
  async #hmacKey(signal: AbortSignal): Promise<HmacKey | undefined> {
    const { clients, config, logger } = this.#options;
    const report = this.#options.startUp ?? NO_START_UP_REPORT;
    const server = clients.kubeConfig.getCurrentCluster()?.server ?? 'the configured server';
    try {
      return await retryUntilStarted('hmac-key', () => loadOrCreateHmacKey(clients.core, config.hmacSecretNamespace, logger), { signal, report, server });
    } catch (err) {
      if (signal.aborted) return undefined;
      throw err;
    }
  }

  /** Failures of the initial lists, told to the start-up report until each collection is in. */
  #startUpHooks(): Pick<Parameters<typeof watchCluster>[0], 'onStartUpError' | 'onStreamSynced'> {
    const report = this.#options.startUp ?? NO_START_UP_REPORT;
    const server = this.#options.clients.kubeConfig.getCurrentCluster()?.server ?? 'the configured server';
    return {
      onStartUpError: (call, error) => report.waiting(startUpCallKey(call), startUpProblem(call, error, server).message, error),
      onStreamSynced: (call) => report.resolved(startUpCallKey(call)),
    };
  }

  /** Starts reconciling (call on becoming leader, or at once without leader election). */
  lead(): void {
    if (this.#leading) return;
    this.#leading = true;
    if (this.#synced) this.#catchUp();
  }

  /**
   * Leadership is lost: another replica may take over as soon as the lease runs out, so this
   * one writes nothing more. In-flight reconciles are aborted, and nothing new starts.
   */
  abandonLeadership(): void {
    this.#leading = false;
    void this.#queue?.drain(0);
  }

  /** Drains in-flight reconciles (SIGTERM), then waits for the watches to close. */
  async stop(): Promise<void> {
    await this.#queue?.drain(DRAIN_TIMEOUT_MS);
    await Promise.all(this.#notifiers.map((n) => n.stop()));
    await Promise.race([this.#events?.flushed(), new Promise((resolve) => setTimeout(resolve, EVENT_FLUSH_TIMEOUT_MS).unref())]);
    await this.#watchDone;
  }

  /** Every covered workload and every AppConfig once: catches up on changes made while down. */
  #catchUp(): void {
    this.#queue?.start();
    this.#router?.enqueueEverything();
    this.#reloader?.enqueueEverything();
  }

  /** --notify-url: a background sender, stopped with the controller. Failures are logged by kind only: the URL is a credential. */
  #notifier(settings: NonNullable<Config['notify']>, observer: ControllerObserver): Notifier {
    const notifier = new Notifier({
      url: settings.url,
      format: settings.format,
      onResult: (result) => observer.notified(result),
      onFailure: (reason) => this.#options.logger.warn({ reason }, 'a notification was not delivered'),
    });
    this.#notifiers.push(notifier);
    return notifier;
  }

  #reloaderCompat(events: EventRecorder): ReloaderCompat {
    return new ReloaderCompat({
      store: this.#store,
      enqueueWorkload: (w) => this.#enqueue({ type: 'workload', namespace: w.namespace, kind: w.kind, name: w.name }),
      reportProblems: (w, problems) => {
        if (!this.#leading) return;
        const regarding = { apiVersion: w.apiVersion, kind: w.kind, namespace: w.namespace, name: w.name, uid: w.uid };
        events.record({ regarding, type: 'Warning', reason: 'InvalidReloaderAnnotation', action: 'Validate', note: problems.join('; ') });
      },
    });
  }

  #enqueue(key: WorkKey, lane: Lane = 'live'): void {
    if (this.#leading) this.#queue?.add(encodeWorkKey(key), lane);
  }

  async #reconcile(encoded: string, signal: AbortSignal, workloadDeps: WorkloadReconcilerDeps, statusDeps: StatusReconcilerDeps): Promise<void> {
    const key = decodeWorkKey(encoded);
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    if (key.type === 'status' && this.#statusWaits(encoded, key.namespace, key.name, statusDeps)) return;
    try {
      if (key.type === 'workload') await reconcileWorkload(workloadDeps, key.namespace, key.kind, key.name, signal);
      else await reconcileStatus(statusDeps, key.namespace, key.name, signal);
      this.#options.observer.reconciled(key.type, 'success', seconds());
    } catch (err) {
      // Every failure is retried by the queue: no reconcile ends in a dropped key.
      this.#options.observer.reconciled(key.type, 'retry', seconds());
      throw classifyApiError(err, `reconcile ${encoded}`);
    }
  }

  /**
   * Whether an AppConfig's status should wait for reconciles of its workloads that are due:
   * written now, it would say Pending and be written again moments later, after the rollout.
   */
  #statusWaits(encoded: string, namespace: string, name: string, deps: StatusReconcilerDeps): boolean {
    const appConfig = this.#store.appConfig(namespace, name);
    const queue = this.#queue;
    if (!queue || !this.#statusHold) return false;
    // A deleted AppConfig waits for nothing, and so leaves the hold.
    const blocking = (appConfig ? deps.coverage.workloadsCoveredBy(appConfig) : [])
      .map((w) => encodeWorkKey({ type: 'workload', namespace, kind: w.kind, name: w.name }))
      .filter((workloadKey) => queue.isDueAndHealthy(workloadKey));
    return this.#statusHold.shouldWait(encoded, blocking, deps.now().getTime());
  }
}

function withReloader(reloader: ReloaderCompat | undefined, active: () => boolean, listener: ChangeListener): ChangeListener {
  return reloader ? reloader.listenerAround(listener, active) : listener;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
