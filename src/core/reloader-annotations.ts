import type { AppConfigSpec } from '../api/appconfig.ts';
import type { SourceKind, WorkloadKind } from '../api/constants.ts';
import { compareCodePoints } from './order.ts';
import { parseSourceId } from './references.ts';
import type { KeyScope, ReloaderAnnotations, SourceId } from './types.ts';

/*
 * Stakater Reloader's opt-in annotations, read as Reloader reads them (its
 * pkg/common ShouldReload and its e2e suite), and turned into the coverage an AppConfig
 * gives, so that the decision table treats an annotated workload exactly as a covered one.
 */

export const RELOADER_AUTO = 'reloader.stakater.com/auto';
export const RELOADER_SEARCH = 'reloader.stakater.com/search';
/** On a ConfigMap or Secret: found by workloads annotated reloader.stakater.com/search. */
export const RELOADER_MATCH = 'reloader.stakater.com/match';
/** On a ConfigMap or Secret: no workload reloads for it. */
export const RELOADER_IGNORE = 'reloader.stakater.com/ignore';

const BY_KIND = {
  ConfigMap: {
    auto: 'configmap.reloader.stakater.com/auto',
    reload: 'configmap.reloader.stakater.com/reload',
    exclude: 'configmaps.exclude.reloader.stakater.com/reload',
  },
  Secret: {
    auto: 'secret.reloader.stakater.com/auto',
    reload: 'secret.reloader.stakater.com/reload',
    exclude: 'secrets.exclude.reloader.stakater.com/reload',
  },
} as const satisfies Record<SourceKind, { auto: string; reload: string; exclude: string }>;

/** Every workload annotation Reloader reads for opting in; the fact store keeps only these. */
export const RELOADER_WORKLOAD_ANNOTATIONS: readonly string[] = [
  RELOADER_AUTO,
  RELOADER_SEARCH,
  ...Object.values(BY_KIND).flatMap((keys) => [keys.auto, keys.reload, keys.exclude]),
].sort(compareCodePoints);

/** What a ConfigMap or Secret says to Reloader. Only sources with one of them set are kept. */
export interface SourceMarks {
  readonly match: boolean;
  readonly ignore: boolean;
}

/** The Reloader annotations among a workload's and its template's, or undefined when there are none. */
export function reloaderAnnotationsOf(
  workload: Readonly<Record<string, string>> | undefined,
  template: Readonly<Record<string, string>> | undefined,
): ReloaderAnnotations | undefined {
  const pick = (annotations: Readonly<Record<string, string>> | undefined): Record<string, string> => {
    const picked: Record<string, string> = {};
    for (const key of RELOADER_WORKLOAD_ANNOTATIONS) {
      const value = annotations?.[key];
      if (value !== undefined) picked[key] = value;
    }
    return picked;
  };
  const result = { workload: pick(workload), template: pick(template) };
  return Object.keys(result.workload).length + Object.keys(result.template).length === 0 ? undefined : result;
}

export function sameReloaderAnnotations(a: ReloaderAnnotations | undefined, b: ReloaderAnnotations | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sameStrings(a.workload, b.workload) && sameStrings(a.template, b.template);
}

/** A source's marks, or undefined when it has neither (the common case: nothing to keep). */
export function sourceMarksOf(annotations: Readonly<Record<string, string>> | undefined): SourceMarks | undefined {
  const match = annotations?.[RELOADER_MATCH] === 'true';
  const ignore = annotations?.[RELOADER_IGNORE] === 'true';
  return match || ignore ? { match, ignore } : undefined;
}

/** What the translation needs to know of the workload's namespace. */
export interface ReloaderNamespace {
  /** Every ConfigMap or Secret of the namespace that exists now: a `reload` expression may name any of them. */
  readonly sourcesOfKind: (kind: SourceKind) => readonly SourceId[];
  readonly marksOf: (id: SourceId) => SourceMarks | undefined;
}

export interface ReloaderWorkload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly references: ReadonlyMap<SourceId, KeyScope>;
  readonly reloader?: ReloaderAnnotations;
}

/**
 * The AppConfig that Reloader's annotations on `workload` amount to, or undefined when they
 * opt it in to nothing. It names the workload itself (`spec.workloads.names`), so a source
 * given in a `reload` list counts even when the pod template does not read it (Reloader
 * reloads for it too), while `auto` and `search` count only sources the template reads.
 */
export function reloaderAppConfig(workload: ReloaderWorkload, namespace: ReloaderNamespace): AppConfigSpec | undefined {
  if (workload.reloader === undefined) return undefined;
  const intent = parsedIntent(workload.reloader);
  const configMaps = reloadedSources('ConfigMap', intent.ConfigMap, workload, namespace);
  const secrets = reloadedSources('Secret', intent.Secret, workload, namespace);
  if (configMaps.length === 0 && secrets.length === 0) return undefined;
  return {
    ...(configMaps.length > 0 ? { configMaps: configMaps.map((name) => ({ name })) } : {}),
    ...(secrets.length > 0 ? { secrets: secrets.map((name) => ({ name })) } : {}),
    workloads: { names: [{ kind: workload.kind, name: workload.name }] },
  };
}

/** What is wrong with a workload's Reloader annotations (a `reload` entry that is no regular expression), for a Warning Event. */
export function reloaderAnnotationProblems(annotations: ReloaderAnnotations | undefined): string[] {
  if (annotations === undefined) return [];
  const intent = parsedIntent(annotations);
  return [...intent.ConfigMap.problems, ...intent.Secret.problems];
}

/** How a workload opts in to one kind of source. */
export interface KindIntent {
  /** reloader.stakater.com/auto or the kind's own auto annotation is true. */
  readonly auto: boolean;
  readonly search: boolean;
  /** The `reload` list, each entry as Reloader anchors it: ^entry$. */
  readonly patterns: readonly RegExp[];
  /** The `exclude` list: exact names. */
  readonly excluded: ReadonlySet<string>;
  readonly problems: readonly string[];
}

const intentByAnnotations = new WeakMap<ReloaderAnnotations, Record<SourceKind, KindIntent>>();

/** Parsed once per annotations object: the store replaces it when the workload changes. */
export function parsedIntent(annotations: ReloaderAnnotations): Record<SourceKind, KindIntent> {
  let known = intentByAnnotations.get(annotations);
  if (known === undefined) {
    known = { ConfigMap: kindIntent('ConfigMap', annotations), Secret: kindIntent('Secret', annotations) };
    intentByAnnotations.set(annotations, known);
  }
  return known;
}

function kindIntent(kind: SourceKind, annotations: ReloaderAnnotations): KindIntent {
  const keys = BY_KIND[kind];
  // Reloader reads the pod template's annotations only when the workload itself has none of
  // the opt-in ones for this kind; the exclude lists only ever on the workload.
  const optsIn = [keys.reload, RELOADER_AUTO, keys.auto, RELOADER_SEARCH].some((key) => Object.hasOwn(annotations.workload, key));
  const chosen = optsIn ? annotations.workload : annotations.template;
  const patterns: RegExp[] = [];
  const problems: string[] = [];
  const list = chosen[keys.reload];
  if (list !== undefined) {
    for (const entry of list.split(',').map((e) => e.trim())) {
      try {
        patterns.push(new RegExp(`^${entry}$`));
      } catch (error) {
        problems.push(`${keys.reload}: "${entry}" is not a regular expression (${(error as Error).message}); it is skipped`);
      }
    }
  }
  const excludeList = annotations.workload[keys.exclude];
  return {
    auto: isTrue(chosen[RELOADER_AUTO]) || isTrue(chosen[keys.auto]),
    search: chosen[RELOADER_SEARCH] === 'true',
    patterns,
    excluded: new Set(excludeList === undefined || excludeList === '' ? [] : excludeList.split(',').map((e) => e.trim())),
    problems,
  };
}

/** The sources of one kind the workload reloads for, sorted by name. */
function reloadedSources(kind: SourceKind, intent: KindIntent, workload: ReloaderWorkload, namespace: ReloaderNamespace): string[] {
  const names = new Set<string>();
  const consider = (id: SourceId, referenced: boolean): void => {
    const { name } = parseSourceId(id);
    const marks = namespace.marksOf(id);
    if (marks?.ignore === true || intent.excluded.has(name)) return;
    const named = intent.patterns.some((pattern) => pattern.test(name));
    const found = referenced && ((intent.search && marks?.match === true) || intent.auto);
    if (named || found) names.add(name);
  };
  for (const id of workload.references.keys()) {
    if (id.startsWith(`${kind}/`)) consider(id, true);
  }
  if (intent.patterns.length > 0) {
    for (const id of namespace.sourcesOfKind(kind)) if (!workload.references.has(id)) consider(id, false);
  }
  return [...names].sort(compareCodePoints);
}

/** Go's strconv.ParseBool, which Reloader uses for the auto annotations. */
function isTrue(value: string | undefined): boolean {
  return value === '1' || value === 't' || value === 'T' || value === 'true' || value === 'TRUE' || value === 'True';
}

function sameStrings(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
