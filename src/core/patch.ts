import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { BASELINE_ANNOTATION, CHECKSUM_ANNOTATION } from '../api/constants.ts';
import type { WorkloadFacts } from './types.ts';

// fast-json-patch is CommonJS: Node's ESM loader only offers its default export.
const { escapePathComponent } = jsonPatch;

const TEMPLATE_METADATA = '/spec/template/metadata';
const TEMPLATE_ANNOTATIONS = `${TEMPLATE_METADATA}/annotations`;
const ANNOTATIONS = '/metadata/annotations';

/*
 * Every patch starts with `test` ops so it applies only to the object the decision was made
 * on; if anything relevant changed underneath, the API server rejects the whole patch and the
 * reconcile runs again on fresh facts. JSON Patch cannot test that a path is absent, so writes
 * that create a value test the generation (a pod-template change bumps it) instead.
 */

/** Sets the pod-template checksum annotation: this is the write that starts a rollout. */
export function templateChecksumOps(workload: WorkloadFacts, checksum: string): Operation[] {
  const path = `${TEMPLATE_ANNOTATIONS}/${escapePathComponent(CHECKSUM_ANNOTATION)}`;
  if (workload.templateChecksum !== undefined) {
    return [
      { op: 'test', path, value: workload.templateChecksum },
      { op: 'replace', path, value: checksum },
    ];
  }
  const ops: Operation[] = [generationTest(workload)];
  if (!workload.templateHasMetadata) ops.push({ op: 'add', path: TEMPLATE_METADATA, value: {} });
  if (!workload.templateHasMetadata || !workload.templateHasAnnotations) {
    ops.push({ op: 'add', path: TEMPLATE_ANNOTATIONS, value: {} });
  }
  ops.push({ op: 'add', path, value: checksum });
  return ops;
}

/** Records the checksum on the workload's own metadata: never touches the pod template, never rolls. */
export function baselineOps(workload: WorkloadFacts, checksum: string): Operation[] {
  const path = baselinePath();
  if (workload.baseline !== undefined) {
    return [
      { op: 'test', path, value: workload.baseline },
      { op: 'replace', path, value: checksum },
    ];
  }
  const ops: Operation[] = [generationTest(workload)];
  if (!workload.hasAnnotations) {
    // Annotation edits leave the generation alone; only the resourceVersion proves the map is still absent.
    if (workload.resourceVersion !== undefined) {
      ops.push({ op: 'test', path: '/metadata/resourceVersion', value: workload.resourceVersion });
    }
    ops.push({ op: 'add', path: ANNOTATIONS, value: {} });
  }
  ops.push({ op: 'add', path, value: checksum });
  return ops;
}

/** Drops a baseline once the pod template carries the checksum itself. Empty when there is none. */
export function removeBaselineOps(workload: WorkloadFacts): Operation[] {
  if (workload.baseline === undefined) return [];
  const path = baselinePath();
  return [
    { op: 'test', path, value: workload.baseline },
    { op: 'remove', path },
  ];
}

function baselinePath(): string {
  return `${ANNOTATIONS}/${escapePathComponent(BASELINE_ANNOTATION)}`;
}

function generationTest(workload: WorkloadFacts): Operation {
  return { op: 'test', path: '/metadata/generation', value: workload.generation };
}
