import { isDeepStrictEqual } from 'node:util';
import type { SourceKind } from '../api/constants.ts';
import type { RecordedSource, WorkloadRecordSpec } from '../api/workload-record.ts';
import { compareCodePoints } from './order.ts';
import { intersectScopes, scopeFromKeys } from './references.ts';
import type { ContentDigest, CountedSource, KeyScope, ScopedSource } from './types.ts';

/**
 * Per-key digests are kept this short in a record (96 bits of SHA-256 or HMAC-SHA256): plenty
 * to notice a change, and a record with many keys stays small.
 */
export const RECORDED_DIGEST_LENGTH = 16;

/** A source whose content changed within the keys it counted both before and now. */
export interface ContentChange {
  readonly kind: SourceKind;
  readonly name: string;
  /** The changed keys (names only), or empty when the whole object appeared. */
  readonly keys: readonly string[];
  readonly changedAt: number;
}

/** The sources as a record keeps them: counted keys, and a short digest per counted key. */
export function recordSources(sources: readonly ScopedSource[]): RecordedSource[] {
  return [...sources]
    .sort((a, b) => compareCodePoints(a.kind, b.kind) || compareCodePoints(a.name, b.name))
    .map((source) => {
      const keys = source.scope.kind === 'keys' ? { keys: [...source.scope.keys] } : {};
      if (source.digest === undefined) return { kind: source.kind, name: source.name, ...keys, absent: true };
      const data = shortDigests(source.digest.data, source.scope);
      const binaryData = shortDigests(source.digest.binaryData, source.scope);
      return {
        kind: source.kind,
        name: source.name,
        ...keys,
        ...(Object.keys(data).length > 0 ? { data } : {}),
        ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}),
      };
    });
}

/**
 * What changed in content, as opposed to in scope: for each source counted both in the record
 * and now, the keys counted both times whose digest differs, or that appeared or went away.
 * A source that starts or stops counting, or keys that enter or leave the scope, are scope
 * changes and are not listed. Secret digests made under another HMAC key cannot be compared,
 * so they are not listed either (the record is rewritten instead).
 */
export function contentChanges(record: WorkloadRecordSpec, current: readonly CountedSource[], currentKeyId: string): ContentChange[] {
  const changes: ContentChange[] = [];
  for (const source of current) {
    const recorded = findRecorded(record, source.kind, source.name);
    if (recorded === undefined || source.digest === undefined) continue;
    if (source.kind === 'Secret' && record.keyId !== currentKeyId) continue;
    const change = { kind: source.kind, name: source.name, changedAt: source.changedAt };
    if (recorded.absent === true) {
      changes.push({ ...change, keys: [] });
      continue;
    }
    const overlap = intersectScopes(recordedScope(recorded), source.scope);
    const keys = [
      ...changedKeys(recorded.data ?? {}, shortDigests(source.digest.data, overlap), overlap),
      ...changedKeys(recorded.binaryData ?? {}, shortDigests(source.digest.binaryData, overlap), overlap),
    ];
    if (keys.length > 0) changes.push({ ...change, keys: [...new Set(keys)].sort(compareCodePoints) });
  }
  return changes;
}

/** Sources that existed when recorded, still count, and are gone now: a delete, often before a re-create. */
export function deletedSources(record: WorkloadRecordSpec, current: readonly ScopedSource[]): ScopedSource[] {
  return current.filter((source) => {
    if (source.digest !== undefined) return false;
    const recorded = findRecorded(record, source.kind, source.name);
    return recorded !== undefined && recorded.absent !== true;
  });
}

/** Whether the record already says exactly this: same checksum, key id, placement and sources. */
export function recordUpToDate(record: WorkloadRecordSpec, next: Omit<WorkloadRecordSpec, 'workload' | 'lastRollout'>): boolean {
  return (
    record.checksum === next.checksum &&
    record.placement === next.placement &&
    record.keyId === next.keyId &&
    isDeepStrictEqual(record.sources, next.sources)
  );
}

/** "ConfigMap web-config (LOG_LEVEL, PORT)": names only, never values. */
export function describeChange(change: ContentChange): string {
  return change.keys.length === 0 ? `${change.kind} ${change.name} (created)` : `${change.kind} ${change.name} (${change.keys.join(', ')})`;
}

function findRecorded(record: WorkloadRecordSpec, kind: SourceKind, name: string): RecordedSource | undefined {
  return record.sources.find((source) => source.kind === kind && source.name === name);
}

function recordedScope(source: RecordedSource): KeyScope {
  return scopeFromKeys(source.keys);
}

function changedKeys(before: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>, overlap: KeyScope): string[] {
  const inOverlap = (key: string): boolean => overlap.kind === 'all' || overlap.keys.includes(key);
  const keys = new Set([...Object.keys(before).filter(inOverlap), ...Object.keys(now)]);
  return [...keys].filter((key) => before[key] !== now[key]);
}

/* Object.fromEntries, never `out[key] = ...`: "__proto__" is a valid ConfigMap key. */
function shortDigests(digests: ContentDigest['data'], scope: KeyScope): Record<string, string> {
  const wanted = scope.kind === 'all' ? null : new Set(scope.keys);
  const entries = Object.entries(digests)
    .filter(([key]) => wanted === null || wanted.has(key))
    .sort(([a], [b]) => compareCodePoints(a, b))
    .map(([key, digest]) => [key, digest.slice(0, RECORDED_DIGEST_LENGTH)] as const);
  return Object.fromEntries(entries);
}
