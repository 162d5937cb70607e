import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION, APPCONFIG_KIND, APPCONFIG_PLURAL, RECORD_KIND, RECORD_PLURAL, type SourceKind } from '../api/constants.ts';
import { apiPrefixOf, groupOf, type WorkloadKindSpec, type WorkloadKinds } from '../api/workload-kinds.ts';
import { digestConfigMapContent, digestSecretContent } from '../core/checksum.ts';
import { sourceId } from '../core/references.ts';
import type { ContentDigest, SourceId, WorkloadFacts } from '../core/types.ts';
import { workloadId, type FactStore, type ObservedAppConfig } from './fact-store.ts';
import type { ApiRequestObserver } from './raw-request.ts';
import type { SourceMarkStore } from './source-marks.ts';
import { listWatch, type KubeObject, type ListWatchHandlers } from './list-watch.ts';
import type { StartUpCall } from './start-up-problem.ts';
import { observedAppConfig } from './observed-app-config.ts';
import { observedRecord, sameDigest, sameWorkloadFacts, workloadFacts, type ObservedRecord } from './projections.ts';

/** What the watchers report after updating the store; the controller turns it into work. */
export interface ChangeListener {
  /** The content of a source changed, appeared or disappeared (never for metadata-only edits). */
  sourceChanged(namespace: string, id: SourceId): void;
  /** A source's Reloader marks (reloader.stakater.com/match or /ignore) changed; only with `sourceMarks`. */
  sourceMarksChanged?(namespace: string, id: SourceId): void;
  workloadChanged(previous: WorkloadFacts | undefined, current: WorkloadFacts | undefined): void;
  appConfigChanged(previous: ObservedAppConfig | undefined, current: ObservedAppConfig | undefined): void;
  /** A WorkloadRecord changed in a way this process did not write itself, or went away. */
  recordChanged(previous: ObservedRecord | undefined, current: ObservedRecord | undefined): void;
}

export interface ClusterWatcherOptions {
  kubeConfig: KubeConfig;
  store: FactStore;
  listener: ChangeListener;
  /** Namespaces to watch; empty means all namespaces. */
  namespaces: readonly string[];
  hmacKey: Buffer;
  /** The workload kinds to watch. */
  kinds: WorkloadKinds;
  logger: Logger;
  signal: AbortSignal;
  onWatchRestart?: (resource: string, reason: string) => void;
  onEvent?: (resource: string, type: string) => void;
  onHandlerError?: (resource: string) => void;
  observeApiRequest?: ApiRequestObserver;
  /** A collection could not be listed or watched before its first initial state (then `onStreamSynced` once it is). */
  onStartUpError?: (call: StartUpCall, error: unknown) => void;
  onStreamSynced?: (call: StartUpCall) => void;
  /** Where to keep Reloader's marks on sources (--reloader-annotations); absent: not kept. */
  sourceMarks?: SourceMarkStore;
}

const CLUSTER_ROLE = 'the ClusterRole confighash (kustomize/base)';
const CLUSTER_ROLE_OR_ROLE = 'the ClusterRole confighash (kustomize/base) or the Role confighash-watch (kustomize/overlays/namespaced)';


/**
 * Lists and watches ConfigMaps, Secrets, the workload kinds in effect, AppConfigs and
 * WorkloadRecords in scope, keeping only digests and facts in the store. Resolves `synced`
 * once every collection has been listed: from then on the store is a full picture.
 */
export function watchCluster(options: ClusterWatcherOptions): { synced: Promise<void>; done: Promise<void> } {
  const { store, listener, hmacKey } = options;
  const scopes = options.namespaces.length > 0 ? options.namespaces : [null];
  const streams: { synced: Promise<void>; done: Promise<void> }[] = [];

  for (const namespace of scopes) {
    const collection = (prefix: string, plural: string): string =>
      namespace === null ? `${prefix}/${plural}` : `${prefix}/namespaces/${namespace}/${plural}`;
    const start = (resource: string, path: string, handlers: ListWatchHandlers, api: { group: string; version: string; crdKind?: string }): void => {
      const call = (verb: 'list' | 'watch'): StartUpCall => ({
        verb,
        resource,
        ...api,
        ...(namespace === null ? {} : { namespace }),
        grantedBy: namespace === null ? CLUSTER_ROLE : CLUSTER_ROLE_OR_ROLE,
      });
      const stream = listWatch({
          kubeConfig: options.kubeConfig,
          path,
          resource,
          handlers,
          logger: options.logger,
          signal: options.signal,
          onWatchRestart: (reason) => options.onWatchRestart?.(resource, reason),
          onEvent: (type) => options.onEvent?.(resource, type),
          onHandlerError: () => options.onHandlerError?.(resource),
          ...(options.observeApiRequest ? { observeApiRequest: options.observeApiRequest } : {}),
          onStartUpError: (error, verb) => options.onStartUpError?.(call(verb), error),
        });
      // Both verbs: the stream's last failure may have been either.
      void stream.synced.then(() => {
        options.onStreamSynced?.(call('list'));
        options.onStreamSynced?.(call('watch'));
      });
      streams.push(stream);
    };
    const core = { group: '', version: 'v1' };
    const ours = (crdKind: string) => ({ group: API_GROUP, version: API_VERSION, crdKind });
    start('configmaps', collection('/api/v1', 'configmaps'), sourceHandlers('ConfigMap', namespace, store, listener, (o) => digestConfigMapContent(o), options.sourceMarks), core);
    start('secrets', collection('/api/v1', 'secrets'), sourceHandlers('Secret', namespace, store, listener, (o) => digestSecretContent(o, hmacKey), options.sourceMarks), core);
    for (const kind of options.kinds.all) {
      const api = { group: groupOf(kind), version: kind.apiVersion.slice(kind.apiVersion.indexOf('/') + 1) };
      start(kind.plural, collection(apiPrefixOf(kind), kind.plural), workloadHandlers(kind, namespace, store, listener), api);
    }
    start(APPCONFIG_PLURAL, collection(`/apis/${API_GROUP}/${API_VERSION}`, APPCONFIG_PLURAL), appConfigHandlers(namespace, store, listener), ours(APPCONFIG_KIND));
    start(RECORD_PLURAL, collection(`/apis/${API_GROUP}/${API_VERSION}`, RECORD_PLURAL), recordHandlers(namespace, store, listener), ours(RECORD_KIND));
  }

  return {
    synced: Promise.all(streams.map((s) => s.synced)).then(() => undefined),
    done: Promise.all(streams.map((s) => s.done)).then(() => undefined),
  };
}

type SourceObject = KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string> };

function sourceHandlers(
  kind: SourceKind,
  scope: string | null,
  store: FactStore,
  listener: ChangeListener,
  digest: (object: SourceObject) => ContentDigest,
  marks?: SourceMarkStore,
): ListWatchHandlers {
  const remove = (namespace: string, id: SourceId): void => {
    marks?.forget(namespace, id);
    if (store.deleteSource(namespace, id)) listener.sourceChanged(namespace, id);
  };
  return {
    upsert(object: SourceObject, observation) {
      const namespace = object.metadata?.namespace ?? '';
      const id = sourceId(kind, object.metadata?.name ?? '');
      const next = digest(object);
      const previous = store.setSource(namespace, id, next, observation);
      const marksChanged = marks?.observe(namespace, id, object.metadata?.annotations) === true;
      if (!sameDigest(previous, next)) listener.sourceChanged(namespace, id);
      if (marksChanged) listener.sourceMarksChanged?.(namespace, id);
    },
    delete(object) {
      remove(object.metadata?.namespace ?? '', sourceId(kind, object.metadata?.name ?? ''));
    },
    replaced(seen) {
      for (const namespace of namespacesOf(scope, store)) {
        for (const id of store.sourceIds(namespace, kind)) {
          if (!seen.has(`${namespace}/${id.slice(kind.length + 1)}`)) remove(namespace, id);
        }
      }
    },
  };
}

function workloadHandlers(kindSpec: WorkloadKindSpec, scope: string | null, store: FactStore, listener: ChangeListener): ListWatchHandlers {
  const { kind } = kindSpec;
  return {
    upsert(object, observation) {
      const { previous, current } = store.setWorkload(workloadFacts(kindSpec, object), observation);
      if (!previous || !sameWorkloadFacts(previous, current)) listener.workloadChanged(previous, current);
    },
    delete(object) {
      const previous = store.deleteWorkload(object.metadata?.namespace ?? '', workloadId(kind, object.metadata?.name ?? ''));
      if (previous) listener.workloadChanged(previous, undefined);
    },
    replaced(seen) {
      for (const namespace of namespacesOf(scope, store)) {
        for (const id of store.workloadIds(namespace, kind)) {
          if (seen.has(`${namespace}/${id.slice(kind.length + 1)}`)) continue;
          const previous = store.deleteWorkload(namespace, id);
          if (previous) listener.workloadChanged(previous, undefined);
        }
      }
    },
  };
}

function appConfigHandlers(scope: string | null, store: FactStore, listener: ChangeListener): ListWatchHandlers {
  return {
    upsert(object) {
      const next = observedAppConfig(object);
      const previous = store.setAppConfig(next);
      // A status write of ours comes back as an event too: only spec changes are news.
      if (!previous || previous.generation !== next.generation || previous.uid !== next.uid || previous.resume !== next.resume || previous.rollNow !== next.rollNow) {
        listener.appConfigChanged(previous, next);
      }
    },
    delete(object) {
      const previous = store.deleteAppConfig(object.metadata?.namespace ?? '', object.metadata?.name ?? '');
      if (previous) listener.appConfigChanged(previous, undefined);
    },
    replaced(seen) {
      for (const namespace of namespacesOf(scope, store)) {
        for (const name of store.appConfigNames(namespace)) {
          if (seen.has(`${namespace}/${name}`)) continue;
          const previous = store.deleteAppConfig(namespace, name);
          if (previous) listener.appConfigChanged(previous, undefined);
        }
      }
    },
  };
}

function recordHandlers(scope: string | null, store: FactStore, listener: ChangeListener): ListWatchHandlers {
  const remove = (namespace: string, uid: string): void => {
    const previous = store.deleteRecord(namespace, uid);
    if (previous) listener.recordChanged(previous, undefined);
  };
  return {
    upsert(object) {
      const next = observedRecord(object);
      if (!next) return;
      const previous = store.setRecord(next);
      // Our own writes are in the store already (from the write's response): only news counts.
      if (previous?.resourceVersion !== next.resourceVersion && store.record(next.namespace, next.spec.workload.uid) === next) {
        listener.recordChanged(previous, next);
      }
    },
    delete(object) {
      const record = observedRecord(object);
      if (record) remove(record.namespace, record.spec.workload.uid);
    },
    replaced(seen) {
      for (const namespace of namespacesOf(scope, store)) {
        for (const record of store.records(namespace)) {
          if (!seen.has(`${namespace}/${record.name}`)) remove(namespace, record.spec.workload.uid);
        }
      }
    },
  };
}

/** The namespaces a relist speaks for: its own, or every namespace the store knows. */
function namespacesOf(scope: string | null, store: FactStore): string[] {
  return scope !== null ? [scope] : store.namespaces();
}
