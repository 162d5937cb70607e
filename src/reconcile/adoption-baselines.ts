import type { WorkloadRecordSpec } from '../api/workload-record.ts';
import { extendBaseline, recordTellsContent } from '../core/baseline.ts';
import { adoptionRecord } from '../core/decide.ts';
import type { WorkloadFacts } from '../core/types.ts';
import type { FactStore, SourceDigests } from '../k8s/fact-store.ts';
import type { CoverageLookup } from './coverage-lookup.ts';

/**
 * Takes adoption baselines (core/baseline.ts) at the moments confighash becomes responsible
 * for a workload that has no usable record: at the end of the initial lists, when the
 * workload appears or its pod template changes, and when an AppConfig begins to cover it.
 * Each is taken while the change that caused it is handled, before any later change is
 * observed, so whatever changes after it is a change the pods have not seen. The store drops
 * a baseline once the workload's record is stored.
 */
export class AdoptionBaselines {
  readonly #store: FactStore;
  readonly #coverage: CoverageLookup;
  readonly #hmacKeyId: string;

  constructor(store: FactStore, coverage: CoverageLookup, hmacKeyId: string) {
    this.#store = store;
    this.#coverage = coverage;
    this.#hmacKeyId = hmacKeyId;
  }

  /** Every covered workload, as the initial lists saw the cluster: call once, before the store's markSynced(). */
  takeAtSync(): void {
    const listed = this.#store.asListed();
    for (const namespace of this.#store.namespaces()) {
      if (this.#store.appConfigsIn(namespace).length === 0) continue;
      for (const workload of this.#store.workloadsIn(namespace)) this.#take(workload, 'replace', listed);
    }
  }

  /**
   * The workload is new: its pods start and read the content as it is now. A source that does
   * not exist yet is left out rather than recorded as absent: pods wait for a ConfigMap or
   * Secret they need, so when it is created (often in the same apply, its watch event coming
   * moments later) they read it; it counts from then on.
   */
  appeared(workload: WorkloadFacts): void {
    this.#take(workload, 'replace', this.#store, (fresh) => ({ ...fresh, sources: fresh.sources.filter((s) => s.absent !== true) }));
  }

  /** The pod template changed: the pods start over and read the content as it is now. */
  templateChanged(workload: WorkloadFacts): void {
    this.#take(workload, 'replace');
  }

  /**
   * An AppConfig, a label or a reference may have made the workload covered, or made more
   * sources count: what counts from now on starts from its content now.
   */
  mayBeCovered(workload: WorkloadFacts): void {
    this.#take(workload, 'extend');
  }

  #take(
    workload: WorkloadFacts,
    how: 'replace' | 'extend',
    digests: SourceDigests = this.#store,
    shape: (fresh: WorkloadRecordSpec) => WorkloadRecordSpec = (fresh) => fresh,
  ): void {
    if (workload.ignored || workload.templateFrom !== undefined) return;
    if (recordTellsContent(this.#store.record(workload.namespace, workload.uid)?.spec, this.#hmacKeyId)) return;
    const desired = this.#coverage.desiredChecksum(workload, this.#hmacKeyId, digests);
    if (desired.kind === 'uncovered') return;
    const fresh = shape(adoptionRecord({ workload, desired: desired.checksum, sources: desired.sources, currentKeyId: this.#hmacKeyId }));
    const existing = this.#store.baseline(workload.namespace, workload.uid);
    this.#store.setBaseline(workload.namespace, how === 'extend' && existing ? extendBaseline(existing, fresh) : fresh);
  }
}
