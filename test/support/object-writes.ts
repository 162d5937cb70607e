// Every write the apiserver stored for one object, seen on a watch of that object alone:
// each write gives a new resourceVersion and one MODIFIED event, whoever made it.
import { Watch, type KubeConfig } from '@kubernetes/client-node';

export interface ObjectWrites {
  /** Stops watching; resolves to the resourceVersions written since the start, in order. */
  stop(): Promise<string[]>;
}

/**
 * Counts writes to the object `name` of the collection at `collectionPath` (for example
 * /apis/confighash.dev/v1/namespaces/ns/appconfigs) from `resourceVersion` on.
 */
export async function watchObjectWrites(kubeConfig: KubeConfig, collectionPath: string, name: string, resourceVersion: string): Promise<ObjectWrites> {
  const written: string[] = [];
  let failure: unknown;
  const abort = await new Watch(kubeConfig).watch(
    collectionPath,
    { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: false },
    (phase, object: { metadata?: { resourceVersion?: string } }) => {
      if (phase === 'MODIFIED') written.push(object.metadata?.resourceVersion ?? '?');
    },
    (err: unknown) => {
      if (err && (err as Error).name !== 'AbortError') failure = err;
    },
  );
  return {
    stop() {
      abort.abort();
      if (failure) return Promise.reject(new Error(`the watch of ${collectionPath} ${name} failed: ${(failure as Error).message ?? String(failure)} (HTTP ${(failure as { statusCode?: number }).statusCode ?? 'no status'})`, { cause: failure }));
      return Promise.resolve(written);
    },
  };
}
