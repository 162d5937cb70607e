import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createSystemClock, sleep } from '../clock.ts';
import { getJson, type ApiRequestObserver } from './raw-request.ts';
import { httpStatusOf } from './start-up-problem.ts';

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
  /**
   * A LIST or WATCH failed before the first full initial state: the stream is what keeps the
   * controller from being ready. Told instead of the warning logged for later failures.
   */
  onStartUpError?: (error: unknown, verb: 'list' | 'watch') => void;
}

const GONE = 410;
const TOO_MANY_REQUESTS = 429;
/**
 * Answers about the resource or the caller, not about watch-lists: the request is fine,
 * only not allowed or not served yet. Falling back to paged LISTs for them would be for good.
 */
const NOT_ABOUT_WATCH_LIST = new Set([401, 403, 404, GONE, TOO_MANY_REQUESTS]);
/** Retry cap until the first initial state: a CRD or an RBAC rule applied later is picked up within seconds. */
const START_UP_RETRY_MAX_MS = 4_000;
const RETRY_MAX_MS = 30_000;
/** The apiserver closes a watch after timeoutSeconds; resuming from the last resourceVersion is cheap. */
const WATCH_TIMEOUT_SECONDS = 290;
/**
 * With bookmarks the apiserver sends something at least about once a minute, so a stream
 * silent for longer is dead (a half-open connection after an apiserver restart).
 */
const WATCH_INACTIVITY_MS = 90_000;
/** The annotation of the bookmark that ends the initial events of a watch-list (KEP-3157). */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/**
 * Streams one resource collection. The initial state comes from a watch-list (a WATCH
 * with sendInitialEvents: every object as an ADDED event, then a bookmark marking the end),
 * so no LIST page of thousands of objects is ever held in memory; where the apiserver
 * does not serve that, from a paginated LIST. Then the WATCH goes on, resumed from the last
 * resourceVersion seen; the initial state is read again only when the apiserver says the
 * version expired (410) or a handler failed. Objects go straight to the handlers, which
 * keep what they need: nothing is cached here. Resolves `synced` after the first full
 * initial state; runs until the signal aborts.
 */
export function listWatch(options: ListWatchOptions): { synced: Promise<void>; done: Promise<void> } {
  let resolveSynced!: () => void;
  const synced = new Promise<void>((resolve) => (resolveSynced = resolve));
  const state = { synced: false };
  const markSynced = (): void => {
    state.synced = true;
    resolveSynced();
  };
  const done = run(options, markSynced, state);
  return { synced, done };
}

async function run(options: ListWatchOptions, markSynced: () => void, state: { readonly synced: boolean }): Promise<void> {
  const { signal, logger } = options;
  let resourceVersion: string | undefined;
  let streamInitialState = true;
  let failures = 0;
  let verb: 'list' | 'watch' = 'watch';
  while (!signal.aborted) {
    try {
      let outcome: WatchOutcome;
      verb = 'watch';
      if (resourceVersion === undefined && streamInitialState) {
        outcome = await watchOnce(options, { initialState: markSynced });
        if (outcome.notServed !== undefined) {
          // Once is enough to know: this stream lists in pages from now on.
          streamInitialState = false;
          logger.info({ resource: options.resource, reason: outcome.notServed }, 'the apiserver does not stream the initial state (watch-list); listing in pages instead');
          continue;
        }
      } else {
        if (resourceVersion === undefined) {
          verb = 'list';
          resourceVersion = await listAll(options);
          markSynced();
          verb = 'watch';
        }
        outcome = await watchOnce(options, { resourceVersion });
      }
      resourceVersion = outcome.resourceVersion;
      // After a lost event the store may be wrong: only a fresh initial state makes it whole again.
      if (outcome.expired || outcome.handlerFailed) resourceVersion = undefined;
      options.onWatchRestart?.(outcome.expired ? 'expired' : outcome.handlerFailed ? 'handler-error' : 'closed');
      failures = 0;
    } catch (err) {
      if (signal.aborted) break;
      failures += 1;
      options.onWatchRestart?.('error');
      const delayMs = Math.min(state.synced ? RETRY_MAX_MS : START_UP_RETRY_MAX_MS, 250 * 2 ** Math.min(failures, 7));
      if (!state.synced && options.onStartUpError) {
        options.onStartUpError(err, verb);
        logger.debug({ resource: options.resource, verb, err: errorSummary(err), retryInMs: delayMs }, 'list/watch failed before the initial state, retrying');
      } else {
        logger.warn({ resource: options.resource, verb, err: errorSummary(err), retryInMs: delayMs }, 'list/watch failed, retrying');
      }
      await sleep(createSystemClock(), delayMs, signal);
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
  /** Where to resume; undefined when the initial state never completed. */
  resourceVersion: string | undefined;
  expired: boolean;
  handlerFailed: boolean;
  /** Why the apiserver is taken not to serve watch-lists (then nothing was wrong, only slower to come). */
  notServed?: string;
}

/** Resume from a resourceVersion, or stream the initial state first and call `initialState` once it is complete. */
type WatchStart = { resourceVersion: string } | { initialState: () => void };

function watchOnce(options: ListWatchOptions, start: WatchStart): Promise<WatchOutcome> {
  const { handlers, signal } = options;
  return new Promise<WatchOutcome>((resolve, reject) => {
    let resourceVersion = 'resourceVersion' in start ? start.resourceVersion : undefined;
    // Keys of the initial events so far; undefined once the initial state is complete (or when resuming).
    let seen = 'initialState' in start ? new Set<string>() : undefined;
    let expired = false;
    let handlerFailed = false;
    let notServed: string | undefined;
    const watch = new Watch(options.kubeConfig);
    // client-node's default 30 s inactivity timeout would restart quiet watches needlessly.
    Object.assign(watch, { requestTimeoutMs: WATCH_INACTIVITY_MS });
    let controller: AbortController | undefined;
    const onAbort = (): void => controller?.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (err: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      if (seen !== undefined && notServed === undefined && !expired && !handlerFailed && !signal.aborted) {
        const status = statusCodeOf(err);
        // A 4xx says the request is not understood (422 where the WatchList feature is off);
        // a stream that ends before its end marker comes from a server that ignored sendInitialEvents.
        if (status !== undefined && status >= 400 && status < 500 && !NOT_ABOUT_WATCH_LIST.has(status)) notServed = `HTTP ${status}`;
        else if (!err) notServed = 'the watch ended before the initial events did';
      }
      if (err && notServed === undefined && !expired && !handlerFailed && !signal.aborted) reject(err);
      else resolve({ resourceVersion, expired, handlerFailed, ...(notServed !== undefined ? { notServed } : {}) });
    };
    const query =
      'resourceVersion' in start
        ? { resourceVersion: start.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS }
        : // No resourceVersion with NotOlderThan: a consistent read, as fresh as a LIST.
          { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS };
    watch
      .watch(
        options.path,
        query,
        (type: string, object: KubeObject & { code?: number }) => {
          // Lines already received keep coming after an abort: once this watch is over, none counts.
          if (expired || handlerFailed || notServed !== undefined) return;
          options.onEvent?.(type);
          if (type === 'ERROR') {
            if (object.code === GONE) expired = true;
            controller?.abort();
            return;
          }
          // client-node's Watch swallows what this callback throws: catch it here, or the
          // event would be lost without a trace.
          try {
            if (type === 'ADDED' || type === 'MODIFIED') {
              handlers.upsert(object, seen !== undefined ? 'list' : 'watch');
              seen?.add(objectKey(object));
            } else if (type === 'DELETED') {
              handlers.delete(object);
              seen?.delete(objectKey(object));
            } else if (type === 'BOOKMARK' && seen !== undefined) {
              if (object.metadata?.annotations?.[INITIAL_EVENTS_END] !== 'true') {
                notServed = 'a bookmark before the end of the initial events';
                controller?.abort();
                return;
              }
              handlers.replaced(seen);
              seen = undefined;
              if ('initialState' in start) start.initialState();
            }
          } catch (err) {
            handlerFailed = true;
            options.logger.error({ resource: options.resource, type, object: objectKey(object), err: errorSummary(err) }, 'watch event handler failed; listing again');
            options.onHandlerError?.(err);
            controller?.abort();
            return;
          }
          // Initial events carry their own versions, not the snapshot's: resume only from the end marker on.
          const version = object.metadata?.resourceVersion;
          if (version && seen === undefined) resourceVersion = version;
        },
        (err: unknown) => finish(statusCodeOf(err) === GONE ? ((expired = true), null) : err),
      )
      .then((c) => {
        controller = c;
        if (signal.aborted || notServed !== undefined || handlerFailed) c.abort();
      }, finish);
  });
}

function objectKey(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

function statusCodeOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : undefined;
}

/** The status code of an HTTP answer (client-node's ApiException message carries the body and headers), else name and message. */
function errorSummary(err: unknown): string {
  const status = httpStatusOf(err);
  if (status !== undefined) return `HTTP ${status}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
