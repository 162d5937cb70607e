import type { WorkloadRecordSpec } from '../api/workload-record.ts';

/**
 * The adoption baseline: what a workload's pods can have read, for as long as confighash has
 * no usable record of it. Adoption happens one workload at a time, in the background, so the
 * moment a workload is adopted says nothing about what its pods read. The baseline is taken
 * instead when confighash becomes responsible for the workload, in the order it observes
 * changes, and has the shape of the record that adoption would have written at that moment:
 * the decision table then compares content with it exactly as it compares with a record.
 */

/**
 * Whether a stored record can tell what the pods read. One made under another HMAC key
 * cannot, for Secrets: their digests are not comparable with the current key's.
 */
export function recordTellsContent(record: WorkloadRecordSpec | undefined, currentKeyId: string): boolean {
  return record !== undefined && (record.keyId === undefined || record.keyId === currentKeyId);
}

/**
 * What content changes are measured against: the record when it can tell, the baseline when
 * there is no record, and for a record made under another HMAC key, its ConfigMaps with the
 * baseline's Secrets (taken under the current key).
 */
export function knownContent(
  record: WorkloadRecordSpec | undefined,
  baseline: WorkloadRecordSpec | undefined,
  currentKeyId: string,
): WorkloadRecordSpec | undefined {
  if (record === undefined) return baseline;
  if (recordTellsContent(record, currentKeyId) || baseline === undefined || baseline.keyId !== currentKeyId) return record;
  return {
    ...record,
    keyId: currentKeyId,
    sources: [...record.sources.filter((s) => s.kind !== 'Secret'), ...baseline.sources.filter((s) => s.kind === 'Secret')],
  };
}

/**
 * A baseline extended by what a newer one counts and it does not: a source that began to
 * count after the baseline was taken (an AppConfig now lists it) counts from now on, with the
 * content it has now, just as a record gains it as a scope change. One that does not exist yet
 * is not added: it counts from its creation (pods that need it wait for it, then read it).
 * Sources already in the baseline keep the content they had when it was taken.
 */
export function extendBaseline(baseline: WorkloadRecordSpec, fresh: WorkloadRecordSpec): WorkloadRecordSpec {
  const known = new Set(baseline.sources.map((s) => `${s.kind}/${s.name}`));
  const added = fresh.sources.filter((s) => s.absent !== true && !known.has(`${s.kind}/${s.name}`));
  if (added.length === 0 && (baseline.keyId !== undefined || fresh.keyId === undefined)) return baseline;
  return {
    ...baseline,
    ...(baseline.keyId === undefined && fresh.keyId !== undefined ? { keyId: fresh.keyId } : {}),
    sources: [...baseline.sources, ...added],
  };
}
