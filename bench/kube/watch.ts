import type { KubeApi } from './api.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** (type, object, performance.now() when the chunk holding the event arrived) */
export type WatchHandler<T> = (type: WatchEventType, object: T, arrivedAt: number) => void;

export class WatchExpiredError extends Error {
  readonly retryable = false;
  constructor(path: string) {
    super(`watch of ${path} expired (410): the bench does not relist`);
    this.name = 'WatchExpiredError';
  }
}

/**
 * Watches a collection from `resourceVersion` until `signal` aborts, resuming from the
 * last version seen whenever the apiserver closes the stream. Every event is stamped with
 * the moment its bytes arrived, before any parsing of later events.
 */
export async function keepWatching<T extends KubeObject>(
  api: KubeApi,
  collectionPath: string,
  query: Record<string, string>,
  resourceVersion: string,
  onEvent: WatchHandler<T>,
  signal: AbortSignal,
): Promise<void> {
  let version = resourceVersion;
  while (!signal.aborted) {
    try {
      version = await watchOnce(api, collectionPath, query, version, onEvent, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof WatchExpiredError) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function watchOnce<T extends KubeObject>(
  api: KubeApi,
  collectionPath: string,
  query: Record<string, string>,
  resourceVersion: string,
  onEvent: WatchHandler<T>,
  signal: AbortSignal,
): Promise<string> {
  const params = new URLSearchParams({ ...query, watch: '1', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: '1800' });
  const response = await api.open(`${collectionPath}?${params}`, { signal });
  let version = resourceVersion;
  let buffered = '';
  const decoder = new TextDecoder();
  if (!response.body) return version;
  try {
    for await (const chunk of response.body) {
      const arrivedAt = performance.now();
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (line.trim() === '') continue;
        const event = JSON.parse(line) as { type: WatchEventType; object: T & { code?: number } };
        if (event.type === 'ERROR') {
          if (event.object.code === 410) throw new WatchExpiredError(collectionPath);
          throw new Error(`watch of ${collectionPath} failed: ${JSON.stringify(event.object).slice(0, 300)}`);
        }
        version = event.object.metadata?.resourceVersion ?? version;
        onEvent(event.type, event.object, arrivedAt);
      }
    }
  } catch (error) {
    if (signal.aborted) return version;
    throw error;
  }
  return version;
}
