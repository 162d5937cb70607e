// The writes the apiserver stored in one test namespace, seen on watches of that namespace
// alone: what "no writes" means on the shared control plane, where the apiserver's own
// request counters (apiserver-requests.ts) also count other test files' requests.
import { isDeepStrictEqual } from 'node:util';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, APPCONFIG_PLURAL, RECORD_PLURAL } from '../../src/api/constants.ts';
import { kubectl } from './cluster.ts';

interface WatchedObject {
  metadata?: { name?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** One stored write: a create, a delete, or a change of the object's spec or metadata. */
export interface StoredWrite {
  readonly resource: string;
  readonly name: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resourceVersion: string;
}

export interface NamespaceWrites {
  /** Stops watching; resolves to the writes stored since the start, in order per resource. */
  stop(): Promise<StoredWrite[]>;
}

interface Collection {
  readonly resource: string;
  readonly path: (namespace: string) => string;
  /**
   * The part of an object whose change counts as a write. A Deployment's status (and the
   * revision annotation the deployment controller keeps) changes without anyone writing the
   * workload; an AppConfig's status is written by confighash, so all of it counts.
   */
  readonly written: (object: WatchedObject) => unknown;
}

const DEPLOYMENT_CONTROLLER_ANNOTATION = /^deployment\.kubernetes\.io\//;

const WORKLOAD_SPEC_AND_METADATA = (object: WatchedObject): unknown => ({
  generation: object.metadata?.generation,
  labels: object.metadata?.labels ?? {},
  annotations: Object.fromEntries(Object.entries(object.metadata?.annotations ?? {}).filter(([key]) => !DEPLOYMENT_CONTROLLER_ANNOTATION.test(key))),
});
const EVERYTHING = (object: WatchedObject): unknown => object.metadata?.resourceVersion;

/** What confighash may write in a namespace: Deployments (spec, metadata), AppConfigs (status) and WorkloadRecords. */
export const CONFIGHASH_WRITABLE: readonly Collection[] = [
  { resource: 'deployments', path: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`, written: WORKLOAD_SPEC_AND_METADATA },
  { resource: APPCONFIG_PLURAL, path: (ns) => `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/${APPCONFIG_PLURAL}`, written: EVERYTHING },
  { resource: RECORD_PLURAL, path: (ns) => `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/${RECORD_PLURAL}`, written: EVERYTHING },
];

/**
 * Lists each collection of `namespace`, then watches it from that list's resourceVersion, and
 * records every create, delete and change of the written part of an object.
 */
export async function watchNamespaceWrites(kubeConfig: KubeConfig, namespace: string, collections: readonly Collection[] = CONFIGHASH_WRITABLE): Promise<NamespaceWrites> {
  const written: StoredWrite[] = [];
  const failures: unknown[] = [];
  const aborts: AbortController[] = [];
  let stopped = false;
  for (const collection of collections) {
    const path = collection.path(namespace);
    const list = JSON.parse((await kubectl(['get', '--raw', path])).stdout) as { metadata: { resourceVersion: string }; items: WatchedObject[] };
    const last = new Map(list.items.map((item) => [item.metadata?.name ?? '', collection.written(item)]));
    const abort = await new Watch(kubeConfig).watch(
      path,
      { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: false },
      (type: string, object: WatchedObject) => {
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
        const name = object.metadata?.name ?? '';
        const part = collection.written(object);
        if (type === 'MODIFIED' && isDeepStrictEqual(last.get(name), part)) return;
        last.set(name, part);
        written.push({ resource: collection.resource, name, type, resourceVersion: object.metadata?.resourceVersion ?? '?' });
      },
      (err: unknown) => {
        // A watch that ends before stop() would miss writes: that fails the count, too.
        if (!stopped && !(err && (err as Error).name === 'AbortError')) failures.push(err ?? new Error(`the watch of ${path} ended`));
      },
    );
    aborts.push(abort);
  }
  return {
    stop() {
      stopped = true;
      for (const abort of aborts) abort.abort();
      const [failure] = failures;
      if (failure) return Promise.reject(new Error(`a watch of namespace ${namespace} failed: ${(failure as Error).message ?? String(failure)}`, { cause: failure }));
      return Promise.resolve(written);
    },
  };
}
