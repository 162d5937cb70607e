import { createHash } from 'node:crypto';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { CHECKSUM_ANNOTATION, FIELD_MANAGER, IGNORE_ANNOTATION } from '../api/constants.ts';
import type { WorkloadKindSpec } from '../api/workload-kinds.ts';
import type { WorkloadRecordSpec } from '../api/workload-record.ts';
import { isRecord } from '../core/is-record.ts';
import { valueAtPointer } from '../core/json-pointer.ts';
import { compareCodePoints } from '../core/order.ts';
import { referencedSources } from '../core/references.ts';
import { reloaderAnnotationsOf, sameReloaderAnnotations } from '../core/reloader-annotations.ts';
import type { ContentDigest, KeyScope, RolloutProgress, WorkloadFacts } from '../core/types.ts';
import type { KubeObject } from './list-watch.ts';

/*
 * Reduce API objects to the facts the controller keeps. Each object from a list or
 * watch passes through here once and is then dropped.
 */

interface WorkloadStatus {
  /** A number; an Argo Rollout reports it as a string. */
  observedGeneration?: number | string;
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  conditions?: { type?: string; status?: string; reason?: string }[];
}

export interface WorkloadObject extends KubeObject {
  spec?: unknown;
  status?: WorkloadStatus;
}

export function workloadFacts(kind: WorkloadKindSpec, object: WorkloadObject): WorkloadFacts {
  const metadata = object.metadata ?? {};
  const found = valueAtPointer(object, kind.templatePointer);
  const template = isRecord(found) ? (found as V1PodTemplateSpec) : undefined;
  const templateChecksum = template?.metadata?.annotations?.[CHECKSUM_ANNOTATION];
  const reloader = reloaderAnnotationsOf(metadata.annotations, template?.metadata?.annotations);
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    templatePointer: kind.templatePointer,
    ...templateFromOf(kind, object),
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    uid: metadata.uid ?? '',
    generation: metadata.generation ?? 0,
    ...(metadata.resourceVersion !== undefined ? { resourceVersion: metadata.resourceVersion } : {}),
    labels: metadata.labels ?? {},
    references: referencedSources(template?.spec),
    ...(templateChecksum !== undefined ? { templateChecksum } : {}),
    // Only an object can take the annotation: anything else (a CRD's pod template may hold any
    // JSON) is replaced by a JSON Patch `add`, where an `add` below it would be an invalid patch.
    templateHasMetadata: isRecord(template?.metadata),
    templateHasAnnotations: isRecord(template?.metadata) && isRecord(template.metadata.annotations),
    templateDigest: templateDigest(template),
    ignored: metadata.annotations?.[IGNORE_ANNOTATION] === 'true',
    ...(reloader !== undefined ? { reloader } : {}),
    progress: rolloutProgress(kind, object),
  };
}

/** Where the workload takes its pod template from, when its kind can refer to a Deployment's (spec.workloadRef). */
function templateFromOf(kind: WorkloadKindSpec, object: WorkloadObject): { templateFrom?: { kind: string; name: string } } {
  if (kind.templateRefPointer === undefined) return {};
  const ref = valueAtPointer(object, kind.templateRefPointer);
  if (!isRecord(ref) || ref.apiVersion !== 'apps/v1' || ref.kind !== 'Deployment' || typeof ref.name !== 'string' || ref.name === '') return {};
  return { templateFrom: { kind: 'Deployment', name: ref.name } };
}

function rolloutProgress(kind: WorkloadKindSpec, object: WorkloadObject): RolloutProgress {
  const status = object.status ?? {};
  const reportsDeadline = kind.reportsProgressDeadline;
  switch (kind.progress) {
    case 'none':
      // Nothing rolls: the next pods made (a CronJob's next Job) use the template as stored.
      return { observedGeneration: object.metadata?.generation ?? 0, desired: 0, updated: 0, total: 0, available: 0, deadlineExceeded: false, reportsDeadline };
    case 'daemons':
      return {
        observedGeneration: generationNumber(status.observedGeneration),
        desired: status.desiredNumberScheduled ?? 0,
        updated: status.updatedNumberScheduled ?? 0,
        // A DaemonSet status counts nodes, not pods of each template: nothing to compare.
        total: status.updatedNumberScheduled ?? 0,
        available: status.numberAvailable ?? 0,
        deadlineExceeded: false,
        reportsDeadline,
      };
    case 'replicas': {
      const progressing = status.conditions?.find((c) => c.type === 'Progressing');
      const spec = isRecord(object.spec) ? object.spec : {};
      return {
        observedGeneration: generationNumber(status.observedGeneration),
        desired: typeof spec.replicas === 'number' ? spec.replicas : 1,
        updated: status.updatedReplicas ?? 0,
        total: status.replicas ?? 0,
        available: status.availableReplicas ?? 0,
        deadlineExceeded: progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded',
        reportsDeadline,
      };
    }
  }
}

/** status.observedGeneration as a number; 0 (nothing observed yet) when it is not one. */
function generationNumber(value: number | string | undefined): number {
  const generation = typeof value === 'string' ? Number(value) : (value ?? 0);
  return Number.isSafeInteger(generation) ? generation : 0;
}

/**
 * The apiserver serialises a pod template the same way every time (struct fields in
 * order, map keys sorted), so its JSON text is a stable input for noticing a change.
 */
function templateDigest(template: V1PodTemplateSpec | undefined): string {
  return createHash('sha256').update(JSON.stringify(template ?? null)).digest('base64').slice(0, 22);
}

/** Whether two fact records would reconcile the same way (status-only updates change nothing). */
export function sameWorkloadFacts(a: WorkloadFacts, b: WorkloadFacts): boolean {
  return (
    a.uid === b.uid &&
    a.generation === b.generation &&
    a.templateChecksum === b.templateChecksum &&
    a.templateDigest === b.templateDigest &&
    a.templateHasMetadata === b.templateHasMetadata &&
    a.templateHasAnnotations === b.templateHasAnnotations &&
    a.ignored === b.ignored &&
    sameReloaderAnnotations(a.reloader, b.reloader) &&
    a.templateFrom?.kind === b.templateFrom?.kind &&
    a.templateFrom?.name === b.templateFrom?.name &&
    sameProgress(a.progress, b.progress) &&
    sameRecord(a.labels, b.labels) &&
    sameReferences(a.references, b.references)
  );
}

export function sameDigest(a: ContentDigest | undefined, b: ContentDigest | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sameRecord(a.data, b.data) && sameRecord(a.binaryData, b.binaryData);
}

interface ManagedFieldsEntry {
  manager?: string;
  fieldsV1?: Record<string, unknown>;
}

interface WorkloadRecordObject extends KubeObject {
  metadata?: KubeObject['metadata'] & { managedFields?: ManagedFieldsEntry[] };
  spec?: WorkloadRecordSpec;
}

/** A WorkloadRecord as the store keeps it: the spec, and what a replace must send back. */
export interface ObservedRecord {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly spec: WorkloadRecordSpec;
  /**
   * Field managers other than confighash that own part of the spec (metadata.managedFields):
   * someone else wrote what the record says, so the decision does not trust it. Empty for a
   * record only confighash wrote; the garbage collector touches metadata only.
   */
  readonly otherSpecWriters: readonly string[];
}

export function observedRecord(object: WorkloadRecordObject): ObservedRecord | undefined {
  const metadata = object.metadata ?? {};
  if (object.spec?.workload === undefined) return undefined;
  return {
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    resourceVersion: metadata.resourceVersion ?? '',
    spec: object.spec,
    otherSpecWriters: otherSpecWriters(metadata.managedFields ?? []),
  };
}

function otherSpecWriters(entries: readonly ManagedFieldsEntry[]): string[] {
  const writers = entries
    .filter((entry) => entry.manager !== FIELD_MANAGER && isRecord(entry.fieldsV1) && Object.hasOwn(entry.fieldsV1, 'f:spec'))
    .map((entry) => entry.manager ?? '(no manager)');
  return [...new Set(writers)].sort(compareCodePoints);
}

export function sameProgress(a: RolloutProgress, b: RolloutProgress): boolean {
  return (
    a.observedGeneration === b.observedGeneration &&
    a.desired === b.desired &&
    a.updated === b.updated &&
    a.total === b.total &&
    a.available === b.available &&
    a.deadlineExceeded === b.deadlineExceeded &&
    a.reportsDeadline === b.reportsDeadline
  );
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => a[key] === b[key]);
}

function sameReferences(a: ReadonlyMap<string, KeyScope>, b: ReadonlyMap<string, KeyScope>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, scope] of a) {
    const other = b.get(id);
    if (!other || other.kind !== scope.kind) return false;
    if (scope.kind === 'keys' && other.kind === 'keys' && scope.keys.join('\u0000') !== other.keys.join('\u0000')) return false;
  }
  return true;
}
