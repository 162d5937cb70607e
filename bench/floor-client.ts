import { CHECKSUM_ANNOTATION } from '../src/api/constants.ts';
import { configMapChecksum } from './expected.ts';
import type { KubeApi } from './kube/api.ts';
import { paths } from './kube/objects.ts';
import { keepWatching, type KubeObject } from './kube/watch.ts';

export interface FloorClient {
  /** Patches sent, and failed. */
  readonly sent: number;
  readonly failed: number;
  stop(): Promise<void>;
}

const ANNOTATION_POINTER = `/spec/template/metadata/annotations/${CHECKSUM_ANNOTATION.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/**
 * The floor: the least any reload controller must do for one edit. It watches one
 * ConfigMap, hashes it with the same core checksum as confighash, and sends one JSON Patch
 * to one Deployment at once: no queue, no fact store, no status, no Events. The pod
 * template must already have an annotation (an empty map is not stored), so `add` finds its map.
 */
export async function startFloorClient(api: KubeApi, namespace: string, configMap: string, deployment: string): Promise<FloorClient> {
  const current = await api.get<KubeObject>(paths.configMap(namespace, configMap));
  const abort = new AbortController();
  let sent = 0;
  let failed = 0;
  const done = keepWatching<KubeObject & { data?: Record<string, string> }>(
    api,
    paths.configMaps(namespace),
    { fieldSelector: `metadata.name=${configMap}` },
    current.metadata?.resourceVersion ?? '0',
    (type, object) => {
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      const checksum = configMapChecksum(configMap, object.data ?? {});
      sent += 1;
      api.patch(paths.deployment(namespace, deployment), 'json', [{ op: 'add', path: ANNOTATION_POINTER, value: checksum }]).catch(() => (failed += 1));
    },
    abort.signal,
  );
  return {
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}
