import { coversWorkload, sourcesForWorkload } from '../core/coverage.ts';
import { parseSourceId } from '../core/references.ts';
import { specProblems } from '../core/validate-spec.ts';
import { workloadChecksum } from '../core/checksum.ts';
import type { AppConfigSpec } from '../api/appconfig.ts';
import type { CountedSource, KeyScope, ScopedSource, SourceId, WorkloadFacts } from '../core/types.ts';
import type { FactStore, ObservedAppConfig, SourceDigests } from '../k8s/fact-store.ts';

/**
 * A workload's checksum as its sources are now (missing ones recorded as absent, and
 * listed in `missing`), or `uncovered` when no valid AppConfig covers it.
 */
export type DesiredChecksum =
  | {
      readonly kind: 'covered';
      readonly checksum: string;
      /** The sources that count, with their scopes, digests and change stamps. */
      readonly sources: readonly CountedSource[];
      readonly missing: readonly SourceId[];
    }
  | { readonly kind: 'uncovered' };

/**
 * Answers coverage questions from the store: which AppConfigs cover a workload, which
 * workloads an AppConfig covers, and what checksum a workload should carry. Spec
 * validation is memoised per AppConfig generation; an invalid AppConfig covers nothing.
 */
export class CoverageLookup {
  readonly #store: FactStore;
  readonly #problems = new Map<string, { generation: number; problems: string[] }>();
  /**
   * The last checksum of each workload and what it was made from. Hashing is most of a
   * reconcile's CPU, and between content changes the answer is the same: it is reused while
   * each source has the same scope and the same digest object (the store replaces a digest
   * when its object changes). Keyed by the facts object, which is replaced when the workload changes.
   */
  readonly #checksums = new WeakMap<WorkloadFacts, { hmacKeyId: string; sources: readonly ScopedSource[]; checksum: string }>();

  /** The AppConfig a workload's own annotations amount to (--reloader-annotations), if any. */
  readonly #fromAnnotations: ((workload: WorkloadFacts) => AppConfigSpec | undefined) | undefined;

  constructor(store: FactStore, fromAnnotations?: (workload: WorkloadFacts) => AppConfigSpec | undefined) {
    this.#store = store;
    this.#fromAnnotations = fromAnnotations;
  }

  problemsOf(appConfig: ObservedAppConfig): string[] {
    const cached = this.#problems.get(appConfig.uid);
    if (cached && cached.generation === appConfig.generation) return cached.problems;
    const problems = specProblems(appConfig.spec);
    this.#problems.set(appConfig.uid, { generation: appConfig.generation, problems });
    return problems;
  }

  forget(appConfig: ObservedAppConfig): void {
    this.#problems.delete(appConfig.uid);
  }

  coveringAppConfigs(workload: WorkloadFacts): ObservedAppConfig[] {
    const users = this.templateUsers(workload);
    return this.#store
      .appConfigsIn(workload.namespace)
      .filter((ac) => this.problemsOf(ac).length === 0 && coversWorkload(ac.spec, workload, users));
  }

  /** Workloads an AppConfig covers, whether or not its spec is valid (callers check). */
  workloadsCoveredBy(appConfig: ObservedAppConfig): WorkloadFacts[] {
    return [...this.#store.workloadsIn(appConfig.namespace)].filter((w) => coversWorkload(appConfig.spec, w, this.templateUsers(w)));
  }

  /** The workloads of the namespace that take their pod template from `workload` (Argo Rollouts with spec.workloadRef). */
  templateUsers(workload: Pick<WorkloadFacts, 'namespace' | 'kind' | 'name'>): WorkloadFacts[] {
    return this.#store.templateUsers(workload.namespace, workload.kind, workload.name);
  }

  /** `digests`: the store as it is now (the default), or as the initial lists saw it. */
  desiredChecksum(workload: WorkloadFacts, hmacKeyId: string, digests: SourceDigests = this.#store): DesiredChecksum {
    const specs = this.coveringAppConfigs(workload).map((ac) => ac.spec);
    // An AppConfig that covers the workload wins over its annotations: they count only without one.
    const annotated = specs.length === 0 ? this.#fromAnnotations?.(workload) : undefined;
    if (annotated !== undefined) specs.push(annotated);
    if (specs.length === 0) return { kind: 'uncovered' };
    const wanted = sourcesForWorkload(specs, workload, this.templateUsers(workload));
    if (wanted.size === 0) return { kind: 'uncovered' };
    const sources: CountedSource[] = [];
    const missing: SourceId[] = [];
    for (const [id, scope] of wanted) {
      const digest = digests.source(workload.namespace, id);
      if (digest === undefined) missing.push(id);
      sources.push({ ...parseSourceId(id), scope, digest, changedAt: digests.sourceChangedAt(workload.namespace, id) });
    }
    return { kind: 'covered', checksum: this.#checksumOf(workload, sources, hmacKeyId), sources, missing };
  }

  #checksumOf(workload: WorkloadFacts, sources: readonly ScopedSource[], hmacKeyId: string): string {
    const last = this.#checksums.get(workload);
    if (last && last.hmacKeyId === hmacKeyId && sameInputs(last.sources, sources)) return last.checksum;
    const checksum = workloadChecksum(sources, hmacKeyId);
    this.#checksums.set(workload, { hmacKeyId, sources, checksum });
    return checksum;
  }
}

function sameInputs(a: readonly ScopedSource[], b: readonly ScopedSource[]): boolean {
  return a.length === b.length && a.every((source, i) => {
    const other = b[i];
    return other !== undefined && source.kind === other.kind && source.name === other.name && source.digest === other.digest && sameScope(source.scope, other.scope);
  });
}

function sameScope(a: KeyScope, b: KeyScope): boolean {
  if (a.kind === 'all' || b.kind === 'all') return a.kind === b.kind;
  return a.keys.length === b.keys.length && a.keys.every((key, i) => key === b.keys[i]);
}
