import { isDeepStrictEqual } from 'node:util';
import { CHECKSUM_ANNOTATION } from '../api/constants.ts';
import type { WorkloadKindSpec } from '../api/workload-kinds.ts';
import { isRecord } from '../core/is-record.ts';
import { valueAtPointer } from '../core/json-pointer.ts';

/**
 * Whether an update changes a workload's pod template in more than the checksum annotation,
 * that is whether the write rolls the pods by itself. Both objects come from the apiserver,
 * decoded and defaulted the same way, so their templates compare field by field. An empty
 * annotations map or template metadata counts as none: the workload controllers compare
 * templates the same way, and a manifest without the checksum often has neither.
 */
export function templateChangedBeyondChecksum(kind: WorkloadKindSpec, oldObject: Record<string, unknown>, newObject: Record<string, unknown>): boolean {
  const templateOf = (object: Record<string, unknown>): unknown => valueAtPointer(object, kind.templatePointer);
  return !isDeepStrictEqual(withoutChecksum(templateOf(oldObject)), withoutChecksum(templateOf(newObject)));
}

function withoutChecksum(template: unknown): unknown {
  if (!isRecord(template) || !isRecord(template.metadata)) return template;
  const { metadata, ...rest } = template;
  const { annotations, ...otherMetadata } = metadata;
  const kept = isRecord(annotations) ? Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== CHECKSUM_ANNOTATION)) : annotations;
  const empty = kept === undefined || kept === null || (isRecord(kept) && Object.keys(kept).length === 0);
  const nextMetadata = empty ? otherMetadata : { ...otherMetadata, annotations: kept };
  return Object.keys(nextMetadata).length === 0 ? rest : { ...rest, metadata: nextMetadata };
}
