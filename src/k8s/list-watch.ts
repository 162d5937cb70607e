import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { getJson, type ApiRequestObserver } from './raw-request.ts';

/** Minimal shape of any object a list or watch returns. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface ListWatchHandlers {
  /** An object was added or changed: from a watch event, or listed by each (re)list. */
  upsert(object: KubeObject, observation: 'list' | 'watch'): void;
  delete(object: KubeObject): void;
  /** After a (re)list: every key not seen in it is gone. Keys are "namespace/name". */
  replaced(seenKeys: ReadonlySet<string>): void;
}

export interface ListWatchOptions {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. /api/v1/configmaps or /api/v1/namespaces/shop/configmaps. */
  path: string;
  resource: string;
  handlers: ListWatchHandlers;
  logger: Logger;
  signal: AbortSignal;
  pageSize?: number;
  onWatchRestart?: (reason: 'expired' | 'closed' | 'error' | 'handler-error') => void;
  onEvent?: (type: string) => void;
  /** A handler threw: the event is logged and counted, and the collection is listed again. */
  onHandlerError?: (error: unknown) => void;
  /** Told of each LIST request (watches are counted by their events). */
  observeApiRequest?: ApiRequestObserver;
}

const GONE = 410;
/** The apiserver closes a watch after timeoutSeconds; resuming from the last resourceVersion is cheap. */
const WATCH_TIMEOUT_SECONDS = 290;
/**
 * With bookmarks the apiserver sends something at least about once a minute, so a stream
 * silent for longer is dead (a half-open connection after an apiserver restart).
 */
const WATCH_INACTIVITY_MS = 90_000;

/**
 * Streams one resource collection: a paginated LIST, then a WATCH resumed from the last
 * resourceVersion seen; a relist only when the apiserver says the version expired (410).
 * Objects go straight to the handlers, which keep what they need: nothing is cached here.
 * Resolves `synced` after the first full list; runs until the signal aborts.
 */
export function listWatch(options: ListWatchOptions): { synced: Promise<void>; done: Promise<void> } {
  let markSynced!: () => void;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));
  const done = run(options, markSynced);
  return { synced, done };
}

async function run(options: ListWatchOptions, markSynced: () => void): Promise<void> {
  const { signal, logger } = options;
  let resourceVersion: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        resourceVersion = await listAll(options);
        markSynced();
      }
      const outcome = await watchOnce(options, resourceVersion);
      resourceVersion = outcome.resourceVersion;
      // After a lost event the store may be wrong: only a fresh list makes it whole again.
      if (outcome.expired || outcome.handlerFailed) resourceVersion = undefined;
      options.onWatchRestart?.(outcome.expired ? 'expired' : outcome.handlerFailed ? 'handler-error' : 'closed');
      failures = 0;
    } catch (err) {
      if (signal.aborted) break;
      failures += 1;
      options.onWatchRestart?.('error');
      const delayMs = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
      logger.warn({ resource: options.resource, err: errorSummary(err), retryInMs: delayMs }, 'list/watch failed, retrying');
      await sleep(delayMs, signal);
    }
  }
}

async function listAll(options: ListWatchOptions): Promise<string> {
  const seen = new Set<string>();
  let continueToken: string | undefined;
  let resourceVersion = '';
  do {
    const page = await getJson<{ metadata?: { continue?: string; resourceVersion?: string }; items?: KubeObject[] }>(
      options.kubeConfig,
      options.path,
      { limit: options.pageSize ?? 500, continue: continueToken },
      options.signal,
      options.observeApiRequest,
    );
    for (const item of page.items ?? []) {
      seen.add(objectKey(item));
      options.handlers.upsert(item, 'list');
    }
    continueToken = page.metadata?.continue || undefined;
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
  } while (continueToken);
  options.handlers.replaced(seen);
  options.logger.debug({ resource: options.resource, count: seen.size, resourceVersion }, 'listed');
  return resourceVersion;
}

interface WatchOutcome {
  resourceVersion: string;
  expired: boolean;
  handlerFailed: boolean;
}

function watchOnce(options: ListWatchOptions, fromVersion: string): Promise<WatchOutcome> {
  const { handlers, signal } = options;
  return new Promise<WatchOutcome>((resolve, reject) => {
    let resourceVersion = fromVersion;
    let expired = false;
    let handlerFailed = false;
    const watch = new Watch(options.kubeConfig);
    // client-node's default 30 s inactivity timeout would restart quiet watches needlessly.
    Object.assign(watch, { requestTimeoutMs: WATCH_INACTIVITY_MS });
    let controller: AbortController | undefined;
    const onAbort = (): void => controller?.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (err: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      if (err && !expired && !handlerFailed && !signal.aborted) reject(err);
      else resolve({ resourceVersion, expired, handlerFailed });
    };
    watch
      .watch(
        options.path,
        { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS },
        (type: string, object: KubeObject & { code?: number }) => {
          options.onEvent?.(type);
          if (type === 'ERROR') {
            if (object.code === GONE) expired = true;
            controller?.abort();
            return;
          }
          // client-node's Watch swallows what this callback throws: catch it here, or the
          // event would be lost without a trace.
          try {
            if (type === 'ADDED' || type === 'MODIFIED') handlers.upsert(object, 'watch');
            else if (type === 'DELETED') handlers.delete(object);
          } catch (err) {
            handlerFailed = true;
            options.logger.error({ resource: options.resource, type, object: objectKey(object), err: errorSummary(err) }, 'watch event handler failed; listing again');
            options.onHandlerError?.(err);
            controller?.abort();
            return;
          }
          const version = object.metadata?.resourceVersion;
          if (version) resourceVersion = version;
        },
        (err: unknown) => finish(statusCodeOf(err) === GONE ? ((expired = true), null) : err),
      )
      .then((c) => {
        controller = c;
        if (signal.aborted) c.abort();
      }, finish);
  });
}

export function objectKey(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

function statusCodeOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : undefined;
}

function errorSummary(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
