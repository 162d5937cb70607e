import { setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, APPCONFIG_PLURAL } from '../api/constants.ts';
import { apiPrefixOf, type WorkloadKinds } from '../api/workload-kinds.ts';
import { isRecord } from '../core/is-record.ts';
import { requestJson } from '../k8s/raw-request.ts';
import type { Manifest } from './reloader-migration.ts';

/** The apiserver answers metadata only: migrate needs the names and annotations of Secrets, never their values. */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const PAGE = 500;

/**
 * What `confighash migrate --from-cluster` reads: the workloads of every kind in `kinds`,
 * ConfigMaps and Secrets as metadata only, and AppConfigs, in one namespace or all. A kind
 * the server does not serve (Argo Rollouts not installed) is skipped.
 */
export async function clusterManifests(kubeConfig: KubeConfig, kinds: WorkloadKinds, namespace: string | undefined, signal?: AbortSignal): Promise<Manifest[]> {
  const collection = (prefix: string, plural: string): string => (namespace ? `${prefix}/namespaces/${namespace}/${plural}` : `${prefix}/${plural}`);
  const manifests: Manifest[] = [];
  for (const kind of kinds.all) {
    const items = await listAll(kubeConfig, collection(apiPrefixOf(kind), kind.plural), false, signal, true);
    manifests.push(...items.map((item) => ({ apiVersion: kind.apiVersion, kind: kind.kind, ...item })));
  }
  for (const [kind, plural] of [['ConfigMap', 'configmaps'], ['Secret', 'secrets']] as const) {
    const items = await listAll(kubeConfig, collection('/api/v1', plural), true, signal, false);
    manifests.push(...items.map((item) => ({ apiVersion: 'v1', kind, metadata: item.metadata })));
  }
  const appConfigs = await listAll(kubeConfig, collection(`/apis/${API_GROUP}/${API_VERSION}`, APPCONFIG_PLURAL), false, signal, true);
  manifests.push(...appConfigs.map((item) => ({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'AppConfig', ...item })));
  return manifests;
}

async function listAll(kubeConfig: KubeConfig, path: string, metadataOnly: boolean, signal: AbortSignal | undefined, missingIsEmpty: boolean): Promise<Manifest[]> {
  const items: Manifest[] = [];
  let token: string | undefined;
  do {
    let page: { items?: unknown[]; metadata?: { continue?: string } };
    try {
      page = await requestJson(kubeConfig, path, {
        query: { limit: PAGE, continue: token },
        ...(metadataOnly ? { options: setHeaderOptions('Accept', METADATA_ONLY) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (missingIsEmpty && (error as { code?: unknown }).code === 404) return [];
      throw error;
    }
    items.push(...(page.items ?? []).filter(isRecord));
    token = page.metadata?.continue || undefined;
  } while (token !== undefined);
  return items;
}
