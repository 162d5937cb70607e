import type { AppConfigSpec } from '../api/appconfig.ts';
import { parsedIntent, reloaderAnnotationProblems, reloaderAppConfig, sameReloaderAnnotations } from '../core/reloader-annotations.ts';
import { parseSourceId } from '../core/references.ts';
import type { SourceId, WorkloadFacts } from '../core/types.ts';
import type { ChangeListener } from '../k8s/cluster-watcher.ts';
import type { FactStore } from '../k8s/fact-store.ts';
import { SourceMarkStore } from '../k8s/source-marks.ts';

export interface ReloaderCompatOptions {
  readonly store: FactStore;
  /** Queues a workload for a decision (a no-op while this replica does not lead). */
  readonly enqueueWorkload: (workload: WorkloadFacts) => void;
  /** A workload's Reloader annotations have problems: a Warning Event on it. */
  readonly reportProblems: (workload: WorkloadFacts, problems: readonly string[]) => void;
}

/**
 * --reloader-annotations: the coverage Reloader's annotations give a workload (for
 * CoverageLookup), and the routing that brings such workloads to a decision when a source
 * they may count changes, when a source's marks change, or when their annotations change.
 * The decisions themselves are the ordinary ones, from the ordinary table.
 */
export class ReloaderCompat {
  readonly marks = new SourceMarkStore();
  readonly #options: ReloaderCompatOptions;

  constructor(options: ReloaderCompatOptions) {
    this.#options = options;
  }

  /** The AppConfig the workload's annotations amount to, as things are in its namespace now. */
  readonly appConfigOf = (workload: WorkloadFacts): AppConfigSpec | undefined => {
    const { store } = this.#options;
    return reloaderAppConfig(workload, {
      sourcesOfKind: (kind) => store.sourceIds(workload.namespace, kind),
      marksOf: (id) => this.marks.marksOf(workload.namespace, id),
    });
  };

  /**
   * `inner`, followed by this routing. `active` says whether routing is on yet: changes seen
   * before the initial sync are covered by the full pass after it (enqueueEverything).
   */
  listenerAround(inner: ChangeListener, active: () => boolean): ChangeListener {
    return {
      sourceChanged: (namespace, id) => {
        inner.sourceChanged(namespace, id);
        if (active()) this.#sourceChanged(namespace, id);
      },
      sourceMarksChanged: (namespace, id) => {
        inner.sourceMarksChanged?.(namespace, id);
        if (active()) this.#sourceChanged(namespace, id);
      },
      workloadChanged: (previous, current) => {
        inner.workloadChanged(previous, current);
        if (active()) this.#workloadChanged(previous, current);
      },
      appConfigChanged: (previous, current) => inner.appConfigChanged(previous, current),
      recordChanged: (previous, current) => inner.recordChanged(previous, current),
    };
  }

  /** Every annotated workload once, with its problems reported: after the initial sync or on becoming leader. */
  enqueueEverything(): void {
    const { store } = this.#options;
    for (const namespace of store.namespaces()) {
      for (const workload of store.workloadsIn(namespace)) {
        if (workload.reloader === undefined) continue;
        this.#report(workload);
        this.#options.enqueueWorkload(workload);
      }
    }
  }

  /** Annotated workloads that read the source, or whose `reload` list may name it. */
  #sourceChanged(namespace: string, id: SourceId): void {
    const { kind } = parseSourceId(id);
    for (const workload of this.#options.store.workloadsIn(namespace)) {
      if (workload.reloader === undefined) continue;
      if (workload.references.has(id) || parsedIntent(workload.reloader)[kind].patterns.length > 0) this.#options.enqueueWorkload(workload);
    }
  }

  #workloadChanged(previous: WorkloadFacts | undefined, current: WorkloadFacts | undefined): void {
    if (current === undefined || (current.reloader === undefined && previous?.reloader === undefined)) return;
    if (!sameReloaderAnnotations(previous?.reloader, current.reloader)) this.#report(current);
    this.#options.enqueueWorkload(current);
  }

  #report(workload: WorkloadFacts): void {
    const problems = reloaderAnnotationProblems(workload.reloader);
    if (problems.length > 0) this.#options.reportProblems(workload, problems);
  }
}
