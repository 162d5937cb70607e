import { coversWorkload, listedSources } from '../core/coverage.ts';
import type { SourceId, WorkloadFacts } from '../core/types.ts';
import type { ChangeListener } from '../k8s/cluster-watcher.ts';
import { workloadId, type FactStore, type ObservedAppConfig } from '../k8s/fact-store.ts';
import { sameProgress, type ObservedRecord } from '../k8s/projections.ts';
import type { Lane } from '../queue/work-queue.ts';
import type { AdoptionBaselines } from './adoption-baselines.ts';
import type { CoverageLookup } from './coverage-lookup.ts';
import type { WorkKey } from './work-key.ts';

/**
 * Turns what the watchers saw into work: the workloads and AppConfig statuses a change
 * can affect, found through the store's indexes (a lookup, never a LIST). What to do
 * about them is decided later, from the facts, by the reconcilers. It also tells the
 * adoption baselines when confighash becomes responsible for a workload, as that happens.
 */
export class ChangeRouter implements ChangeListener {
  readonly #store: FactStore;
  readonly #coverage: CoverageLookup;
  readonly #baselines: AdoptionBaselines;
  readonly #enqueue: (key: WorkKey, lane: Lane) => void;
  /** A workload's rollout made progress: a slot may be free for those waiting for one. */
  readonly #progressed: () => void;

  constructor(store: FactStore, coverage: CoverageLookup, baselines: AdoptionBaselines, enqueue: (key: WorkKey, lane: Lane) => void, progressed: () => void = () => {}) {
    this.#store = store;
    this.#coverage = coverage;
    this.#baselines = baselines;
    this.#enqueue = enqueue;
    this.#progressed = progressed;
  }

  sourceChanged(namespace: string, id: SourceId): void {
    for (const appConfig of this.#store.appConfigsIn(namespace)) {
      if (!listedSources(appConfig.spec).includes(id)) continue;
      this.#status(appConfig);
      const candidates = appConfig.spec.workloads ? this.#coverage.workloadsCoveredBy(appConfig) : this.#store.workloadsReferencing(namespace, id);
      for (const workload of candidates) {
        // A source that a new workload's baseline left out because it did not exist yet counts from now on.
        this.#baselines.mayBeCovered(workload);
        this.#workload(workload);
      }
    }
  }

  workloadChanged(previous: WorkloadFacts | undefined, current: WorkloadFacts | undefined): void {
    const workload = current ?? previous;
    if (!workload) return;
    if (!(previous && current && sameProgress(previous.progress, current.progress))) this.#progressed();
    const appConfigs = this.#store.appConfigsIn(workload.namespace);
    if (appConfigs.length === 0) return;
    if (current && previous?.uid !== current.uid) this.#baselines.appeared(current);
    else if (current && previous?.templateDigest !== current.templateDigest) this.#baselines.templateChanged(current);
    else if (current) this.#baselines.mayBeCovered(current);
    if (current) this.#workload(current);
    this.#templateSourcesChanged(previous, current);
    for (const appConfig of appConfigs) {
      const before = previous !== undefined && coversWorkload(appConfig.spec, previous);
      const after = current !== undefined && coversWorkload(appConfig.spec, current);
      if (before || after) this.#status(appConfig);
      // In a staged rollout, one workload becoming available (or failing) opens the next one's turn.
      if ((before || after) && appConfig.spec.rollout !== undefined && !(previous && current && sameProgress(previous.progress, current.progress))) {
        for (const sibling of this.#coverage.workloadsCoveredBy(appConfig)) this.#workload(sibling);
      }
    }
  }

  appConfigChanged(previous: ObservedAppConfig | undefined, current: ObservedAppConfig | undefined): void {
    if (current) this.#status(current);
    // Deleted, or re-created under the same name: the old one's memoised validation goes.
    if (previous && previous.uid !== current?.uid) this.#coverage.forget(previous);
    const affected = new Map<string, WorkloadFacts>();
    for (const appConfig of [previous, current]) {
      if (!appConfig) continue;
      for (const workload of this.#coverage.workloadsCoveredBy(appConfig)) affected.set(`${workload.kind}/${workload.name}`, workload);
    }
    for (const workload of affected.values()) {
      this.#baselines.mayBeCovered(workload);
      this.#workload(workload);
    }
  }

  /** A record changed or vanished behind our back (edited, deleted): the workload decides again. */
  recordChanged(previous: ObservedRecord | undefined, current: ObservedRecord | undefined): void {
    const record = current ?? previous;
    if (!record) return;
    const { kind, name, uid } = record.spec.workload;
    const workload = this.#store.workload(record.namespace, workloadId(kind, name));
    if (workload?.uid !== uid) return;
    // Deleted behind our back: from now on the workload is adopted afresh.
    if (current === undefined) this.#baselines.mayBeCovered(workload);
    this.#workload(workload);
  }

  /**
   * Everything in the store: after the initial sync, or on becoming leader (catch-up).
   * Workloads go first, so each AppConfig status is computed once their baselines and
   * checksums are in, instead of being written once before and once after. All of it goes
   * in the bulk lane: a change seen live meanwhile runs first.
   */
  enqueueEverything(): void {
    const withAppConfigs = this.#store.namespaces().filter((ns) => this.#store.appConfigsIn(ns).length > 0);
    for (const namespace of withAppConfigs) {
      const appConfigs = this.#store.appConfigsIn(namespace);
      for (const workload of this.#store.workloadsIn(namespace)) {
        const users = this.#coverage.templateUsers(workload);
        if (appConfigs.some((ac) => coversWorkload(ac.spec, workload, users))) this.#workload(workload, 'bulk');
      }
    }
    for (const namespace of withAppConfigs) {
      for (const appConfig of this.#store.appConfigsIn(namespace)) this.#status(appConfig, 'bulk');
    }
  }

  /**
   * A workload that takes its pod template from another (an Argo Rollout's workloadRef) came,
   * went, or changed its labels or reference: the workloads it points to decide again, and
   * the statuses of the AppConfigs that cover them are brought up to date.
   */
  #templateSourcesChanged(previous: WorkloadFacts | undefined, current: WorkloadFacts | undefined): void {
    const targets = new Set([previous?.templateFrom, current?.templateFrom].filter((t) => t !== undefined).map((t) => workloadId(t.kind, t.name)));
    if (targets.size === 0) return;
    const namespace = (current ?? previous)?.namespace ?? '';
    for (const id of targets) {
      const target = this.#store.workload(namespace, id);
      if (!target) continue;
      this.#workload(target);
      for (const appConfig of this.#store.appConfigsIn(namespace)) this.#status(appConfig);
    }
  }

  #workload(workload: WorkloadFacts, lane: Lane = 'live'): void {
    this.#enqueue({ type: 'workload', namespace: workload.namespace, kind: workload.kind, name: workload.name }, lane);
  }

  #status(appConfig: ObservedAppConfig, lane: Lane = 'live'): void {
    this.#enqueue({ type: 'status', namespace: appConfig.namespace, name: appConfig.name }, lane);
  }
}
