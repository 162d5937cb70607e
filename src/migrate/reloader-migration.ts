import type { AppConfigSpec, WorkloadName } from '../api/appconfig.ts';
import { API_GROUP, API_VERSION, APPCONFIG_KIND } from '../api/constants.ts';
import { DEFAULT_WORKLOAD_KINDS, KNOWN_WORKLOAD_KINDS, WorkloadKinds } from '../api/workload-kinds.ts';
import { coversWorkload, templateUsersOf } from '../core/coverage.ts';
import { isRecord } from '../core/is-record.ts';
import { pointerSegments } from '../core/json-pointer.ts';
import { compareCodePoints } from '../core/order.ts';
import { sourceId } from '../core/references.ts';
import {
  parsedIntent,
  RELOADER_IGNORE,
  RELOADER_MATCH,
  RELOADER_WORKLOAD_ANNOTATIONS,
  reloaderAnnotationProblems,
  reloaderAppConfig,
  sourceMarksOf,
  type SourceMarks,
} from '../core/reloader-annotations.ts';
import type { SourceId, WorkloadFacts } from '../core/types.ts';
import { workloadFacts } from '../k8s/projections.ts';

/*
 * `confighash migrate`: the AppConfigs that the Reloader annotations of a set of manifests
 * (or of live objects) amount to, computed with the same translation the controller uses
 * under --reloader-annotations, so the controller on the AppConfigs counts what
 * compatibility mode counts for these objects.
 */

/** The kinds migrate reads: the controller's default ones and Argo Rollouts. */
export const MIGRATE_KINDS = new WorkloadKinds([...DEFAULT_WORKLOAD_KINDS, ...KNOWN_WORKLOAD_KINDS]);

export type Manifest = Record<string, unknown>;

export interface Migration {
  /** One AppConfig per namespace and set of sources, naming the workloads that count exactly those. */
  readonly appConfigs: Manifest[];
  /** The input with the translated Reloader annotations removed (workloads) and match/ignore removed (sources). */
  readonly stripped: Manifest[];
  /** What a person should know: expressions resolved to today's objects, workloads left out, problems. */
  readonly notes: string[];
}

export function migrateReloaderAnnotations(manifests: readonly Manifest[], kinds: WorkloadKinds = MIGRATE_KINDS): Migration {
  const notes: string[] = [];
  const sources = new Map<string, SourceId[]>();
  const marks = new Map<string, SourceMarks>();
  const existingAppConfigs: { namespace: string; spec: AppConfigSpec }[] = [];
  const workloads: WorkloadFacts[] = [];
  for (const manifest of manifests) {
    const { kind, namespace, name, annotations } = identity(manifest);
    if (kind === 'ConfigMap' || kind === 'Secret') {
      const id = sourceId(kind, name);
      (sources.get(namespace) ?? sources.set(namespace, []).get(namespace))?.push(id);
      const marked = sourceMarksOf(annotations);
      if (marked) marks.set(`${namespace}/${id}`, marked);
    }
    if (kind === APPCONFIG_KIND && isRecord(manifest.spec)) existingAppConfigs.push({ namespace, spec: manifest.spec as AppConfigSpec });
    const spec = kinds.byApiVersion(manifest.apiVersion, manifest.kind);
    if (spec) workloads.push(workloadFacts(spec, manifest));
  }

  const groups = new Map<string, { namespace: string; spec: AppConfigSpec; names: WorkloadName[] }>();
  for (const workload of workloads) {
    if (workload.reloader === undefined || workload.ignored) continue;
    const who = `${workload.kind} ${workload.namespace ? `${workload.namespace}/` : ''}${workload.name}`;
    for (const problem of reloaderAnnotationProblems(workload.reloader)) notes.push(`${who}: ${problem}`);
    const users = templateUsersOf(workload, workloads).filter((u) => u.namespace === workload.namespace);
    if (existingAppConfigs.some((ac) => ac.namespace === workload.namespace && coversWorkload(ac.spec, workload, users))) {
      notes.push(`${who}: an AppConfig already covers it, so its Reloader annotations count for nothing; left out`);
      continue;
    }
    const spec = reloaderAppConfig(workload, {
      sourcesOfKind: (kind) => (sources.get(workload.namespace) ?? []).filter((id) => id.startsWith(`${kind}/`)),
      marksOf: (id) => marks.get(`${workload.namespace}/${id}`),
    });
    if (spec === undefined) {
      notes.push(`${who}: its Reloader annotations name no ConfigMap or Secret it reads or that exists here; no AppConfig`);
      continue;
    }
    notes.push(...snapshotNotes(who, workload));
    if (Object.keys(workload.reloader.template).length > 0) {
      notes.push(`${who}: its pod template carries Reloader annotations; --strip removes them, which changes the template, so it rolls once when applied`);
    }
    const listed = { ...(spec.configMaps ? { configMaps: spec.configMaps } : {}), ...(spec.secrets ? { secrets: spec.secrets } : {}) };
    const key = JSON.stringify([workload.namespace, listed]);
    const group = groups.get(key) ?? { namespace: workload.namespace, spec: listed, names: [] as WorkloadName[] };
    group.names.push({ kind: workload.kind, name: workload.name });
    groups.set(key, group);
  }

  const taken = new Set<string>();
  const appConfigs = [...groups.values()]
    .map((group) => ({ ...group, names: [...group.names].sort((a, b) => compareCodePoints(`${a.kind}/${a.name}`, `${b.kind}/${b.name}`)) }))
    .sort((a, b) => compareCodePoints(`${a.namespace}/${a.names[0]?.name}`, `${b.namespace}/${b.names[0]?.name}`))
    .map((group) => {
      const name = uniqueName(`reloader-${group.names[0]?.name ?? 'workloads'}`, group.namespace, taken);
      return {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: APPCONFIG_KIND,
        metadata: { name, ...(group.namespace ? { namespace: group.namespace } : {}) },
        spec: { ...group.spec, workloads: { names: group.names } },
      };
    });
  return { appConfigs, stripped: manifests.map((m) => stripped(m, kinds)), notes };
}

/** An expression or search is resolved to the objects that exist now; what comes later is not covered. */
function snapshotNotes(who: string, workload: WorkloadFacts): string[] {
  if (workload.reloader === undefined) return [];
  const intent = parsedIntent(workload.reloader);
  const notes: string[] = [];
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    if (intent[kind].patterns.length > 0) notes.push(`${who}: its ${kind} reload expressions are listed as the ${kind}s they match now; one created later is not covered`);
    if (intent[kind].search) notes.push(`${who}: reloader.stakater.com/search is listed as the ${kind}s marked match=true now; one marked later is not covered`);
  }
  return notes;
}

function uniqueName(base: string, namespace: string, taken: Set<string>): string {
  const trimmed = base.slice(0, 240);
  let name = trimmed;
  for (let n = 2; taken.has(`${namespace}/${name}`); n++) name = `${trimmed}-${n}`;
  taken.add(`${namespace}/${name}`);
  return name;
}

function stripped(manifest: Manifest, kinds: WorkloadKinds): Manifest {
  const { kind } = identity(manifest);
  const copy = structuredClone(manifest);
  if (kind === 'ConfigMap' || kind === 'Secret') {
    removeKeys(copy, [RELOADER_MATCH, RELOADER_IGNORE]);
    return copy;
  }
  const spec = kinds.byApiVersion(manifest.apiVersion, manifest.kind);
  if (!spec) return manifest;
  removeKeys(copy, RELOADER_WORKLOAD_ANNOTATIONS);
  let template: unknown = copy;
  for (const segment of pointerSegments(spec.templatePointer)) template = isRecord(template) ? template[segment] : undefined;
  if (isRecord(template)) removeKeys(template, RELOADER_WORKLOAD_ANNOTATIONS);
  return copy;
}

/** Deletes the keys from object.metadata.annotations, and the map itself when it ends up empty. */
function removeKeys(object: Record<string, unknown>, keys: readonly string[]): void {
  const metadata = object.metadata;
  if (!isRecord(metadata) || !isRecord(metadata.annotations)) return;
  const annotations = metadata.annotations;
  for (const key of keys) delete annotations[key];
  if (Object.keys(annotations).length === 0) delete metadata.annotations;
}

function identity(manifest: Manifest): { kind: string; namespace: string; name: string; annotations: Record<string, string> | undefined } {
  const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
  return {
    kind: typeof manifest.kind === 'string' ? manifest.kind : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    annotations: isRecord(metadata.annotations) ? (metadata.annotations as Record<string, string>) : undefined,
  };
}
