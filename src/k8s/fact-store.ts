import type { AppConfigStatus } from '../api/appconfig.ts';
import type { WorkloadRecordSpec } from '../api/workload-record.ts';
import type { WorkloadKind } from '../api/constants.ts';
import type { AppConfigFacts, ContentDigest, SourceId, WorkloadFacts } from '../core/types.ts';
import { sameDigest, type ObservedRecord } from './projections.ts';
import { isOlderResourceVersion } from './resource-version.ts';

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
 * How a workload reached the store. A template change seen in a watch event or a write's
 * response happened just now; one found by a list happened at some unknown time before.
 */
export type Observation = 'watch' | 'list' | 'write';

interface SourceEntry {
  readonly digest: ContentDigest;
  readonly changedAt: number;
}

/** Where a workload's checksum reads its sources' digests and change stamps from. */
export interface SourceDigests {
  source(namespace: string, id: SourceId): ContentDigest | undefined;
  sourceChangedAt(namespace: string, id: SourceId): number;
}

/**
 * Everything the controller remembers about the cluster: per-key content digests of
 * ConfigMaps and Secrets, the few facts it needs of each workload, AppConfigs, and
 * confighash's own WorkloadRecords. No full object, pod template or Secret value is kept.
 * A reverse index maps each source to the workloads whose pod templates reference it, so
 * a ConfigMap event costs a lookup instead of a LIST.
 *
 * Content and template changes get a stamp from one counter, in the order this process
 * observed them, so a decision can tell whether a pod template changed after the content
 * did. Before `markSynced()` (the initial lists) every change is stamped 0: "before start";
 * a source whose content a watch event changed before then keeps its listed digest until
 * `markSynced()`, so adoption baselines can be taken as the lists saw the cluster.
 * A namespace's maps are dropped with their last entry, so namespace churn leaves nothing.
 */
export class FactStore implements SourceDigests {
  readonly #sources = new Map<string, Map<SourceId, SourceEntry>>();
  readonly #workloads = new Map<string, Map<WorkloadId, WorkloadFacts>>();
  readonly #appConfigs = new Map<string, Map<string, ObservedAppConfig>>();
  readonly #records = new Map<string, Map<string, ObservedRecord>>();
  /** By namespace and workload UID: adoption baselines (core/baseline.ts), until a record is stored. */
  readonly #baselines = new Map<string, Map<string, WorkloadRecordSpec>>();
  /** Before the initial sync ends: "namespace/id" → the digest the list saw (null: not listed), for sources a watch event changed since. */
  readonly #listed = new Map<string, ContentDigest | null>();
  readonly #referencedBy = new Map<string, Map<SourceId, Set<WorkloadId>>>();
  /** By namespace: workloads that take their pod template from another (Argo Rollouts' workloadRef) → that other's id. */
  readonly #templateFrom = new Map<string, Map<WorkloadId, WorkloadId>>();
  /** Template writes of our own in flight, by "namespace/id": the checksum written and the decision's stamp. */
  readonly #ownWrites = new Map<string, { checksum: string; stamp: number; seen: boolean }>();
  #stamp = 0;
  #synced = false;

  /**
   * From now on, changes are stamped in the order they are observed. Content that watch
   * events changed during the initial lists is stamped now: the pods of workloads the lists
   * saw may not have read it.
   */
  markSynced(): void {
    this.#synced = true;
    for (const key of this.#listed.keys()) {
      const [namespace = '', id] = splitKey(key);
      const entry = this.#sources.get(namespace)?.get(id);
      if (entry) inner(this.#sources, namespace).set(id, { digest: entry.digest, changedAt: this.#nextStamp() });
    }
    this.#listed.clear();
  }

  /** The sources as the initial lists saw them (until `markSynced()`; the same as the store after it). */
  asListed(): SourceDigests {
    return {
      source: (namespace, id) => {
        const listed = this.#listed.get(`${namespace}/${id}`);
        return listed === undefined ? this.source(namespace, id) : (listed ?? undefined);
      },
      sourceChangedAt: () => 0,
    };
  }

  /**
   * A stamp for a decision about to write a pod template: later than every change the
   * decision saw, earlier than every change observed while its write is in flight.
   */
  claimStamp(): number {
    return this.#nextStamp();
  }

  /**
   * Our own write of `checksum` into a workload's template is on its way. Whichever comes
   * first, the write's response or its watch event, is stamped with the decision's stamp, not
   * with the time it arrives: a content change seen meanwhile is newer than our write, and
   * must still roll the workload.
   */
  expectOwnTemplateWrite(namespace: string, id: WorkloadId, checksum: string, stamp: number): void {
    this.#ownWrites.set(`${namespace}/${id}`, { checksum, stamp, seen: false });
  }

  /** Whether our own template write to the workload, or the record write after it, is on its way (it counts as rolling). */
  hasOwnTemplateWrite(namespace: string, id: WorkloadId): boolean {
    return this.#ownWrites.has(`${namespace}/${id}`);
  }

  forgetOwnTemplateWrite(namespace: string, id: WorkloadId): void {
    this.#ownWrites.delete(`${namespace}/${id}`);
  }

  source(namespace: string, id: SourceId): ContentDigest | undefined {
    return this.#sources.get(namespace)?.get(id)?.digest;
  }

  /** The stamp of the source's last content change (0: before start-up). */
  sourceChangedAt(namespace: string, id: SourceId): number {
    return this.#sources.get(namespace)?.get(id)?.changedAt ?? 0;
  }

  /** Returns the digest it replaced (undefined when the source is new). */
  setSource(namespace: string, id: SourceId, digest: ContentDigest, observation: 'list' | 'watch' = 'list'): ContentDigest | undefined {
    const previous = this.#sources.get(namespace)?.get(id);
    const same = previous !== undefined && sameDigest(previous.digest, digest);
    if (!same && observation === 'watch') this.#rememberListed(namespace, id, previous?.digest);
    inner(this.#sources, namespace).set(id, { digest, changedAt: previous && same ? previous.changedAt : this.#nextStamp() });
    return previous?.digest;
  }

  deleteSource(namespace: string, id: SourceId): ContentDigest | undefined {
    const previous = this.#sources.get(namespace)?.get(id);
    if (previous) this.#rememberListed(namespace, id, previous.digest);
    removeFrom(this.#sources, namespace, id);
    return previous?.digest;
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

  /**
   * Stores a workload's facts, stamping a template change with how it was observed, and
   * returns what was there before and what is there now. Facts older than the stored ones
   * (a watch event that a write's response already overtook) are ignored.
   */
  setWorkload(facts: WorkloadFacts, observation: Observation): { previous: WorkloadFacts | undefined; current: WorkloadFacts } {
    const id = workloadId(facts.kind, facts.name);
    const previous = this.#workloads.get(facts.namespace)?.get(id);
    if (previous && previous.uid === facts.uid && isOlderResourceVersion(facts.resourceVersion, previous.resourceVersion)) {
      return { previous, current: previous };
    }
    const current = { ...facts, ...this.#templateStamp(`${facts.namespace}/${id}`, previous, facts, observation) };
    this.#unindexWorkload(facts.namespace, id);
    // A workload replaced under the same name is another object: the old one's baseline goes.
    if (previous && previous.uid !== facts.uid) removeFrom(this.#baselines, facts.namespace, previous.uid);
    inner(this.#workloads, facts.namespace).set(id, current);
    const index = inner(this.#referencedBy, facts.namespace);
    for (const sourceId of current.references.keys()) {
      let ids = index.get(sourceId);
      if (!ids) index.set(sourceId, (ids = new Set()));
      ids.add(id);
    }
    if (current.templateFrom) inner(this.#templateFrom, facts.namespace).set(id, workloadId(current.templateFrom.kind, current.templateFrom.name));
    return { previous, current };
  }

  deleteWorkload(namespace: string, id: WorkloadId): WorkloadFacts | undefined {
    const previous = this.#unindexWorkload(namespace, id);
    if (previous) removeFrom(this.#baselines, namespace, previous.uid);
    return previous;
  }

  #unindexWorkload(namespace: string, id: WorkloadId): WorkloadFacts | undefined {
    const previous = this.#workloads.get(namespace)?.get(id);
    if (!previous) return undefined;
    removeFrom(this.#workloads, namespace, id);
    removeFrom(this.#templateFrom, namespace, id);
    const index = this.#referencedBy.get(namespace);
    for (const sourceId of previous.references.keys()) {
      const ids = index?.get(sourceId);
      ids?.delete(id);
      if (ids?.size === 0) removeFrom(this.#referencedBy, namespace, sourceId);
    }
    return previous;
  }

  /** Workloads whose pod template references the source: the reverse index. */
  workloadsReferencing(namespace: string, sourceId: SourceId): WorkloadFacts[] {
    const ids = this.#referencedBy.get(namespace)?.get(sourceId) ?? [];
    return [...ids].flatMap((id) => this.workload(namespace, id) ?? []);
  }

  /** Workloads that take their pod template from this one: a lookup in a map that is empty without Argo Rollouts' workloadRef. */
  templateUsers(namespace: string, kind: WorkloadKind, name: string): WorkloadFacts[] {
    const target = workloadId(kind, name);
    return [...(this.#templateFrom.get(namespace) ?? [])].flatMap(([id, from]) => (from === target ? (this.workload(namespace, id) ?? []) : []));
  }

  /** confighash's record for the workload with this UID, if any. */
  record(namespace: string, workloadUid: string): ObservedRecord | undefined {
    return this.#records.get(namespace)?.get(workloadUid);
  }

  /** Stores a record unless the stored one is newer; returns what was there before. */
  setRecord(record: ObservedRecord): ObservedRecord | undefined {
    const uid = record.spec.workload.uid;
    const previous = this.#records.get(record.namespace)?.get(uid);
    if (previous && isOlderResourceVersion(record.resourceVersion, previous.resourceVersion)) return previous;
    inner(this.#records, record.namespace).set(uid, record);
    // A record now tells what the pods run with: the adoption baseline has done its work.
    removeFrom(this.#baselines, record.namespace, uid);
    return previous;
  }

  /** The adoption baseline of the workload with this UID, while it has no record (core/baseline.ts). */
  baseline(namespace: string, workloadUid: string): WorkloadRecordSpec | undefined {
    return this.#baselines.get(namespace)?.get(workloadUid);
  }

  setBaseline(namespace: string, baseline: WorkloadRecordSpec): void {
    inner(this.#baselines, namespace).set(baseline.workload.uid, baseline);
  }

  deleteRecord(namespace: string, workloadUid: string): ObservedRecord | undefined {
    const previous = this.#records.get(namespace)?.get(workloadUid);
    removeFrom(this.#records, namespace, workloadUid);
    return previous;
  }

  records(namespace: string): ObservedRecord[] {
    return [...(this.#records.get(namespace)?.values() ?? [])];
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
    removeFrom(this.#appConfigs, namespace, name);
    return previous;
  }

  namespaces(): string[] {
    return [...new Set([...this.#sources.keys(), ...this.#workloads.keys(), ...this.#appConfigs.keys(), ...this.#records.keys()])];
  }

  /** Sizes, for logs, tests and the benchmark. */
  counts(): { sources: number; workloads: number; appConfigs: number; records: number; baselines: number; namespaces: number } {
    const total = (m: Map<string, Map<unknown, unknown>>): number => [...m.values()].reduce((n, i) => n + i.size, 0);
    return {
      sources: total(this.#sources),
      workloads: total(this.#workloads),
      appConfigs: total(this.#appConfigs),
      records: total(this.#records),
      baselines: total(this.#baselines),
      namespaces: this.namespaces().length,
    };
  }

  #nextStamp(): number {
    return this.#synced ? ++this.#stamp : 0;
  }

  /** Before the initial sync ends, the first live change of a source keeps what the list saw. */
  #rememberListed(namespace: string, id: SourceId, listed: ContentDigest | undefined): void {
    const key = `${namespace}/${id}`;
    if (!this.#synced && !this.#listed.has(key)) this.#listed.set(key, listed ?? null);
  }

  #templateStamp(key: string, previous: WorkloadFacts | undefined, next: WorkloadFacts, observation: Observation): { templateChangedAt?: number } {
    const sameObject = previous !== undefined && previous.uid === next.uid;
    if (sameObject && previous.templateDigest === next.templateDigest) {
      return previous.templateChangedAt === undefined ? {} : { templateChangedAt: previous.templateChangedAt };
    }
    const own = this.#ownWrites.get(key);
    if (own && !own.seen && sameObject && next.templateChecksum === own.checksum && previous.templateChecksum !== own.checksum) {
      own.seen = true;
      return { templateChangedAt: own.stamp };
    }
    // A template change seen live happened now. One found by a (re)list, or a new object,
    // has no known time: the decision then treats it as possibly older than any content change.
    if (!sameObject || observation === 'list' || !this.#synced) return {};
    return { templateChangedAt: ++this.#stamp };
  }
}

/** "namespace/Kind/name" → [namespace, "Kind/name"]: namespaces hold no "/". */
function splitKey(key: string): [string, SourceId] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1) as SourceId];
}

function inner<K, V>(outer: Map<string, Map<K, V>>, namespace: string): Map<K, V> {
  let map = outer.get(namespace);
  if (!map) outer.set(namespace, (map = new Map()));
  return map;
}

function removeFrom<K, V>(outer: Map<string, Map<K, V>>, namespace: string, key: K): void {
  const map = outer.get(namespace);
  if (!map) return;
  map.delete(key);
  if (map.size === 0) outer.delete(namespace);
}
