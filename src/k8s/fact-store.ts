import type { AppConfigStatus } from '../api/appconfig.ts';
import type { WorkloadKind } from '../api/constants.ts';
import type { AppConfigFacts, ContentDigest, SourceId, WorkloadFacts } from '../core/types.ts';

/** "Deployment/web": a workload within one namespace. */
export type WorkloadId = `${WorkloadKind}/${string}`;

export function workloadId(kind: WorkloadKind, name: string): WorkloadId {
  return `${kind}/${name}`;
}

/** An AppConfig as last seen, with the status the apiserver holds (to write only real changes). */
export interface ObservedAppConfig extends AppConfigFacts {
  readonly status?: AppConfigStatus;
}

/**
 * Everything the controller remembers about the cluster: per-key content digests of
 * ConfigMaps and Secrets, the few facts it needs of each workload, and AppConfigs.
 * No full object, pod template or Secret value is kept. A reverse index maps each
 * source to the workloads whose pod templates reference it, so a ConfigMap event
 * costs a lookup instead of a LIST.
 */
export class FactStore {
  readonly #sources = new Map<string, Map<SourceId, ContentDigest>>();
  readonly #workloads = new Map<string, Map<WorkloadId, WorkloadFacts>>();
  readonly #appConfigs = new Map<string, Map<string, ObservedAppConfig>>();
  readonly #referencedBy = new Map<string, Map<SourceId, Set<WorkloadId>>>();

  source(namespace: string, id: SourceId): ContentDigest | undefined {
    return this.#sources.get(namespace)?.get(id);
  }

  /** Returns the digest it replaced (undefined when the source is new). */
  setSource(namespace: string, id: SourceId, digest: ContentDigest): ContentDigest | undefined {
    const previous = this.#sources.get(namespace)?.get(id);
    inner(this.#sources, namespace).set(id, digest);
    return previous;
  }

  deleteSource(namespace: string, id: SourceId): ContentDigest | undefined {
    const previous = this.#sources.get(namespace)?.get(id);
    this.#sources.get(namespace)?.delete(id);
    return previous;
  }

  sourceIds(namespace: string, kind: 'ConfigMap' | 'Secret'): SourceId[] {
    return [...(this.#sources.get(namespace)?.keys() ?? [])].filter((id) => id.startsWith(`${kind}/`));
  }

  workload(namespace: string, id: WorkloadId): WorkloadFacts | undefined {
    return this.#workloads.get(namespace)?.get(id);
  }

  workloadsIn(namespace: string): Iterable<WorkloadFacts> {
    return this.#workloads.get(namespace)?.values() ?? [];
  }

  workloadIds(namespace: string, kind: WorkloadKind): WorkloadId[] {
    return [...(this.#workloads.get(namespace)?.keys() ?? [])].filter((id) => id.startsWith(`${kind}/`));
  }

  /** Returns the facts it replaced. */
  setWorkload(facts: WorkloadFacts): WorkloadFacts | undefined {
    const id = workloadId(facts.kind, facts.name);
    const previous = this.deleteWorkload(facts.namespace, id);
    inner(this.#workloads, facts.namespace).set(id, facts);
    const index = inner(this.#referencedBy, facts.namespace);
    for (const sourceId of facts.references.keys()) {
      let ids = index.get(sourceId);
      if (!ids) index.set(sourceId, (ids = new Set()));
      ids.add(id);
    }
    return previous;
  }

  deleteWorkload(namespace: string, id: WorkloadId): WorkloadFacts | undefined {
    const previous = this.#workloads.get(namespace)?.get(id);
    if (!previous) return undefined;
    this.#workloads.get(namespace)?.delete(id);
    const index = this.#referencedBy.get(namespace);
    for (const sourceId of previous.references.keys()) {
      const ids = index?.get(sourceId);
      ids?.delete(id);
      if (ids?.size === 0) index?.delete(sourceId);
    }
    return previous;
  }

  /** Workloads whose pod template references the source: the reverse index. */
  workloadsReferencing(namespace: string, sourceId: SourceId): WorkloadFacts[] {
    const ids = this.#referencedBy.get(namespace)?.get(sourceId) ?? [];
    return [...ids].flatMap((id) => this.workload(namespace, id) ?? []);
  }

  appConfig(namespace: string, name: string): ObservedAppConfig | undefined {
    return this.#appConfigs.get(namespace)?.get(name);
  }

  appConfigsIn(namespace: string): ObservedAppConfig[] {
    return [...(this.#appConfigs.get(namespace)?.values() ?? [])];
  }

  appConfigNames(namespace: string): string[] {
    return [...(this.#appConfigs.get(namespace)?.keys() ?? [])];
  }

  setAppConfig(appConfig: ObservedAppConfig): ObservedAppConfig | undefined {
    const previous = this.#appConfigs.get(appConfig.namespace)?.get(appConfig.name);
    inner(this.#appConfigs, appConfig.namespace).set(appConfig.name, appConfig);
    return previous;
  }

  deleteAppConfig(namespace: string, name: string): ObservedAppConfig | undefined {
    const previous = this.#appConfigs.get(namespace)?.get(name);
    this.#appConfigs.get(namespace)?.delete(name);
    return previous;
  }

  namespaces(): string[] {
    return [...new Set([...this.#sources.keys(), ...this.#workloads.keys(), ...this.#appConfigs.keys()])];
  }

  /** Sizes, for logs and the benchmark. */
  counts(): { sources: number; workloads: number; appConfigs: number } {
    const total = (m: Map<string, Map<unknown, unknown>>): number => [...m.values()].reduce((n, i) => n + i.size, 0);
    return { sources: total(this.#sources), workloads: total(this.#workloads), appConfigs: total(this.#appConfigs) };
  }
}

function inner<K, V>(outer: Map<string, Map<K, V>>, namespace: string): Map<K, V> {
  let map = outer.get(namespace);
  if (!map) outer.set(namespace, (map = new Map()));
  return map;
}
