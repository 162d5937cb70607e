import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { hmacKeyId } from './core/checksum.ts';
import { classifyApiError } from './errors.ts';
import type { ApiClients } from './k8s/api-clients.ts';
import { watchCluster } from './k8s/cluster-watcher.ts';
import { EventRecorder } from './k8s/event-recorder.ts';
import { FactStore } from './k8s/fact-store.ts';
import { loadOrCreateHmacKey } from './k8s/hmac-key.ts';
import type { ControllerObserver } from './observability/controller-observer.ts';
import { WorkQueue } from './queue/work-queue.ts';
import { ChangeRouter } from './reconcile/change-router.ts';
import { CoverageLookup } from './reconcile/coverage-lookup.ts';
import { reconcileStatus, type StatusReconcilerDeps } from './reconcile/status-reconciler.ts';
import { decodeWorkKey, encodeWorkKey, type WorkKey } from './reconcile/work-key.ts';
import { reconcileWorkload, type WorkloadReconcilerDeps } from './reconcile/workload-reconciler.ts';

export interface ControllerOptions {
  config: Config;
  clients: ApiClients;
  logger: Logger;
  observer: ControllerObserver;
  now?: () => Date;
}

const DRAIN_TIMEOUT_MS = 20_000;

/**
 * The controller: watches feed the fact store, the router turns changes into keys, the
 * queue de-duplicates and debounces them, and the reconcilers decide and write.
 * `start` resolves once the initial lists are in (ready); `whenLeading` starts the work.
 */
export class Controller {
  readonly #options: ControllerOptions;
  readonly #store = new FactStore();
  #queue: WorkQueue | undefined;
  #router: ChangeRouter | undefined;
  #leading = false;
  #synced = false;
  #watchDone: Promise<void> = Promise.resolve();

  constructor(options: ControllerOptions) {
    this.#options = options;
  }

  get ready(): boolean {
    return this.#synced;
  }

  get store(): FactStore {
    return this.#store;
  }

  /** Loads the HMAC key, lists everything in scope and keeps watching until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    const { config, clients, logger, observer } = this.#options;
    const now = this.#options.now ?? (() => new Date());
    const hmac = await loadOrCreateHmacKey(clients.core, config.hmacSecretNamespace, logger);
    const keyId = hmacKeyId(hmac.key);
    const coverage = new CoverageLookup(this.#store);
    const events = new EventRecorder(clients.events, config.identity, logger);

    const workloadDeps: WorkloadReconcilerDeps = {
      store: this.#store, coverage, apps: clients.apps, customObjects: clients.customObjects, events, logger, hmacKeyId: keyId,
      rollOnAdoption: config.rollOnAdoption, now, observer,
      refreshStatus: (namespace, name) => this.#enqueue({ type: 'status', namespace, name }),
    };
    const statusDeps: StatusReconcilerDeps = {
      store: this.#store, coverage, customObjects: clients.customObjects, events, logger, hmacKeyId: keyId, now,
      onWrite: () => observer.statusWritten(),
    };

    this.#queue = new WorkQueue((key, signal) => this.#reconcile(key, signal, workloadDeps, statusDeps), {
      debounceMs: config.debounceMs,
      debounceMaxMs: config.debounceMaxMs,
      concurrency: config.concurrency,
      backoff: { initialMs: 200, maxMs: 60_000 },
      onDepthChange: (depth) => observer.queueDepth(depth),
      onError: (key, err) => logger.error({ key, err }, 'reconcile failed; not retrying'),
      onRetry: (key, err, delayMs, attempt) => logger.info({ key, err: describe(err), delayMs, attempt }, 'reconcile will be retried'),
    });
    this.#router = new ChangeRouter(this.#store, coverage, (key) => this.#enqueue(key));

    const watch = watchCluster({
      kubeConfig: clients.kubeConfig,
      store: this.#store,
      // Changes seen before the initial sync are covered by the full pass after it.
      listener: {
        sourceChanged: (ns, id) => this.#synced && this.#router?.sourceChanged(ns, id),
        workloadChanged: (a, b) => this.#synced && this.#router?.workloadChanged(a, b),
        appConfigChanged: (a, b) => this.#synced && this.#router?.appConfigChanged(a, b),
        recordChanged: (a, b) => this.#synced && this.#router?.recordChanged(a, b),
      },
      namespaces: config.allNamespaces ? [] : config.namespaces,
      hmacKey: hmac.key,
      logger,
      signal,
      onWatchRestart: (resource, reason) => observer.watchRestarted(resource, reason),
      onEvent: (resource, type) => observer.watchEvent(resource, type),
      onHandlerError: (resource) => observer.watchHandlerError(resource),
    });
    this.#watchDone = watch.done;
    await Promise.race([watch.synced, aborted(signal)]);
    if (signal.aborted) return;
    this.#store.markSynced();
    this.#synced = true;
    logger.info({ ...this.#store.counts(), keyId, newKey: hmac.created }, 'initial sync complete');
    if (this.#leading) this.#catchUp();
  }

  /** Starts reconciling (call on becoming leader, or at once without leader election). */
  lead(): void {
    if (this.#leading) return;
    this.#leading = true;
    if (this.#synced) this.#catchUp();
  }

  /** Drains in-flight reconciles (SIGTERM), then waits for the watches to close. */
  async stop(): Promise<void> {
    await this.#queue?.drain(DRAIN_TIMEOUT_MS);
    await this.#watchDone;
  }

  /** Every covered workload and every AppConfig once: catches up on changes made while down. */
  #catchUp(): void {
    this.#queue?.start();
    this.#router?.enqueueEverything();
  }

  #enqueue(key: WorkKey): void {
    if (this.#leading) this.#queue?.add(encodeWorkKey(key));
  }

  async #reconcile(encoded: string, signal: AbortSignal, workloadDeps: WorkloadReconcilerDeps, statusDeps: StatusReconcilerDeps): Promise<void> {
    const key = decodeWorkKey(encoded);
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      if (key.type === 'workload') await reconcileWorkload(workloadDeps, key.namespace, key.kind, key.name, signal);
      else await reconcileStatus(statusDeps, key.namespace, key.name, signal);
      this.#options.observer.reconciled(key.type, 'success', seconds());
    } catch (err) {
      const classified = classifyApiError(err, `reconcile ${encoded}`);
      this.#options.observer.reconciled(key.type, classified.retryable ? 'retry' : 'error', seconds());
      throw classified;
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
