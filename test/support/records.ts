import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, RECORD_PLURAL, type WorkloadKind } from '../../src/api/constants.ts';
import type { WorkloadRecordSpec } from '../../src/api/workload-record.ts';
import { adminKubeConfig } from './cluster.ts';

/** The workload's UID as stored now. */
export async function workloadUid(namespace: string, kind: WorkloadKind, name: string, kubeConfig: KubeConfig = adminKubeConfig()): Promise<string> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const object =
    kind === 'Deployment'
      ? await apps.readNamespacedDeployment({ namespace, name })
      : kind === 'StatefulSet'
        ? await apps.readNamespacedStatefulSet({ namespace, name })
        : await apps.readNamespacedDaemonSet({ namespace, name });
  return object.metadata?.uid ?? '';
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
