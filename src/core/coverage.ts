import type { AppConfigSpec, LabelSelector, LabelSelectorRequirement } from '../api/appconfig.ts';
import { compareCodePoints } from './order.ts';
import { intersectScopes, scopeFromKeys, sourceId, unionScopes } from './references.ts';
import type { KeyScope, SourceId, WorkloadFacts } from './types.ts';

/**
 * Kubernetes label-selector semantics: an absent selector selects nothing, an empty one (`{}`)
 * selects everything, and all terms must hold. So `spec.workloads: {selector: {}}` deliberately
 * covers every workload in the namespace, while `spec.workloads: {names: [...]}` (no selector)
 * covers only the names.
 */
export function matchesLabelSelector(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (selector === undefined) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((requirement) => meetsRequirement(requirement, labels));
}

function meetsRequirement(requirement: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return present && value !== undefined && values.includes(value);
    case 'NotIn':
      return !present || value === undefined || !values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      // An operator the schema should have rejected: select nothing rather than guess.
      return false;
  }
}

/**
 * Whether an AppConfig applies to a workload in its own namespace (the caller only pairs
 * objects of one namespace). With `spec.workloads` the choice is explicit; without it, any
 * workload whose pod template reads a listed object is covered.
 *
 * A workload that takes its pod template from another (an Argo Rollout with
 * `spec.workloadRef`) is never covered itself: it has no template to write. The workload it
 * takes the template from is covered instead when `spec.workloads` selects either of them;
 * `templateUsers` are the workloads that take their template from `workload`.
 */
export function coversWorkload(spec: AppConfigSpec, workload: WorkloadFacts, templateUsers: readonly WorkloadFacts[] = []): boolean {
  if (workload.templateFrom !== undefined) return false;
  if (spec.workloads !== undefined) return selects(spec, workload) || templateUsers.some((user) => selects(spec, user));
  return listed(spec).sorted.some((id) => workload.references.has(id));
}

/** spec.workloads names the workload or its labels match the selector. */
function selects(spec: AppConfigSpec, workload: Pick<WorkloadFacts, 'kind' | 'name' | 'labels'>): boolean {
  const named = (spec.workloads?.names ?? []).some((entry) => entry.kind === workload.kind && entry.name === workload.name);
  return named || matchesLabelSelector(spec.workloads?.selector, workload.labels);
}

/** The workloads among `candidates` that take their pod template from `workload`. */
export function templateUsersOf(workload: Pick<WorkloadFacts, 'kind' | 'name'>, candidates: Iterable<WorkloadFacts>): WorkloadFacts[] {
  const users: WorkloadFacts[] = [];
  for (const candidate of candidates) {
    if (candidate.templateFrom?.kind === workload.kind && candidate.templateFrom.name === workload.name) users.push(candidate);
  }
  return users;
}

/**
 * The sources, and the keys of each, that make up one workload's checksum.
 *
 * Per AppConfig, a listed source counts with the AppConfig's `keys` narrowed to what the pod
 * template can see. An explicitly selected workload that does not reference a listed source
 * still gets it (the user asked for it: e.g. the app reads it through the API); an
 * auto-discovered one does not. AppConfigs that do not cover the workload are ignored, so
 * callers may pass every AppConfig of the namespace. The result is sorted and does not depend
 * on the order of `covering`.
 */
export function sourcesForWorkload(
  covering: readonly AppConfigSpec[],
  workload: WorkloadFacts,
  templateUsers: readonly WorkloadFacts[] = [],
): Map<SourceId, KeyScope> {
  const result = new Map<SourceId, KeyScope>();
  for (const spec of covering) {
    if (!coversWorkload(spec, workload, templateUsers)) continue;
    for (const [id, listedScope] of listed(spec).scopes) {
      const referenced = workload.references.get(id);
      let effective: KeyScope;
      if (referenced !== undefined) effective = intersectScopes(listedScope, referenced);
      else if (spec.workloads !== undefined) effective = listedScope;
      else continue;
      const known = result.get(id);
      result.set(id, known === undefined ? effective : unionScopes(known, effective));
    }
  }
  return new Map([...result].sort(([a], [b]) => compareCodePoints(a, b)));
}

/**
 * What an AppConfig lists, computed once per spec object: coverage asks for it for every
 * workload against every AppConfig of the namespace, on each reconcile. A spec is never
 * changed in place (the store replaces the object), so a spec object always maps to one answer.
 */
const listedBySpec = new WeakMap<AppConfigSpec, { scopes: ReadonlyMap<SourceId, KeyScope>; sorted: readonly SourceId[] }>();

function listed(spec: AppConfigSpec): { scopes: ReadonlyMap<SourceId, KeyScope>; sorted: readonly SourceId[] } {
  let known = listedBySpec.get(spec);
  if (known === undefined) {
    const scopes = listedScopes(spec);
    known = { scopes, sorted: [...scopes.keys()].sort(compareCodePoints) };
    listedBySpec.set(spec, known);
  }
  return known;
}

/** Every ConfigMap and Secret an AppConfig lists, sorted and without duplicates. */
export function listedSources(spec: AppConfigSpec): SourceId[] {
  return [...listed(spec).sorted];
}

/** A source listed twice (the schema forbids it, but be safe) counts with the union of its keys. */
function listedScopes(spec: AppConfigSpec): Map<SourceId, KeyScope> {
  const scopes = new Map<SourceId, KeyScope>();
  const add = (id: SourceId, keys: readonly string[] | undefined): void => {
    const scope = scopeFromKeys(keys);
    const known = scopes.get(id);
    scopes.set(id, known === undefined ? scope : unionScopes(known, scope));
  };
  for (const entry of spec.configMaps ?? []) add(sourceId('ConfigMap', entry.name), entry.keys);
  for (const entry of spec.secrets ?? []) add(sourceId('Secret', entry.name), entry.keys);
  return scopes;
}
