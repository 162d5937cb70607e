import { AppsV1Api, CustomObjectsApi, type KubeConfig, type V1DaemonSet, type V1Deployment, type V1StatefulSet } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, RECORD_PLURAL, type WorkloadKind } from '../../src/api/constants.ts';
import type { WorkloadRecordSpec } from '../../src/api/workload-record.ts';
import { adminKubeConfig } from './cluster.ts';

/** A Deployment, StatefulSet or DaemonSet as stored now. */
export function readWorkload(
  namespace: string,
  kind: WorkloadKind,
  name: string,
  kubeConfig: KubeConfig = adminKubeConfig(),
): Promise<V1Deployment | V1StatefulSet | V1DaemonSet> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  if (kind === 'Deployment') return apps.readNamespacedDeployment({ namespace, name });
  if (kind === 'StatefulSet') return apps.readNamespacedStatefulSet({ namespace, name });
  return apps.readNamespacedDaemonSet({ namespace, name });
}

/** The workload's UID as stored now. */
export async function workloadUid(namespace: string, kind: WorkloadKind, name: string, kubeConfig: KubeConfig = adminKubeConfig()): Promise<string> {
  return (await readWorkload(namespace, kind, name, kubeConfig)).metadata?.uid ?? '';
}

/** confighash's WorkloadRecord for the workload as it exists now (by its UID), or undefined. */
export async function workloadRecord(
  namespace: string,
  kind: WorkloadKind,
  name: string,
  kubeConfig: KubeConfig = adminKubeConfig(),
): Promise<WorkloadRecordSpec | undefined> {
  const uid = await workloadUid(namespace, kind, name, kubeConfig);
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    const object = (await api.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: RECORD_PLURAL, name: uid })) as {
      spec?: WorkloadRecordSpec;
    };
    return object.spec;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}
