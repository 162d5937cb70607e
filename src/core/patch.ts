import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { CHECKSUM_ANNOTATION } from '../api/constants.ts';
import type { WorkloadFacts } from './types.ts';

// fast-json-patch is CommonJS: Node's ESM loader only offers its default export.
const { escapePathComponent } = jsonPatch;

/** The JSON pointer of the checksum annotation in the workload's pod template. */
export function checksumPointer(workload: Pick<WorkloadFacts, 'templatePointer'>): string {
  return `${workload.templatePointer}/metadata/annotations/${escapePathComponent(CHECKSUM_ANNOTATION)}`;
}

/*
 * Every patch starts with `test` ops so it applies only to the object the decision was made
 * on; if anything relevant changed underneath, the API server rejects the whole patch and the
 * reconcile runs again on fresh facts. The generation is bumped by every spec change, and the
 * checksum annotation is part of the spec, so testing it proves that the pod template, and
 * the annotation's value or absence, are still what the decision saw. JSON Patch cannot
 * test that a path is absent; the generation test covers that too.
 */

/** Sets the pod-template checksum annotation: this is the write that starts a rollout. */
export function templateChecksumOps(workload: WorkloadFacts, checksum: string): Operation[] {
  const metadata = `${workload.templatePointer}/metadata`;
  const annotations = `${metadata}/annotations`;
  const path = checksumPointer(workload);
  const ops: Operation[] = [{ op: 'test', path: '/metadata/generation', value: workload.generation }];
  if (workload.templateChecksum !== undefined) {
    ops.push({ op: 'test', path, value: workload.templateChecksum }, { op: 'replace', path, value: checksum });
    return ops;
  }
  if (!workload.templateHasMetadata) ops.push({ op: 'add', path: metadata, value: {} });
  if (!workload.templateHasMetadata || !workload.templateHasAnnotations) {
    ops.push({ op: 'add', path: annotations, value: {} });
  }
  ops.push({ op: 'add', path, value: checksum });
  return ops;
}
