import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, CHECKSUM_ANNOTATION, RECORD_PLURAL, type WorkloadKind } from '../../src/api/constants.ts';
import { groupOf, versionOf, type WorkloadKindSpec } from '../../src/api/workload-kinds.ts';
import { valueAtPointer } from '../../src/core/json-pointer.ts';
import type { WorkloadObject } from '../../src/k8s/projections.ts';
import { ALL_KNOWN_KINDS } from '../unit/support/workload-kinds.ts';
import type { WorkloadRecordSpec } from '../../src/api/workload-record.ts';
import { adminKubeConfig, kubectl } from './cluster.ts';
import { waitFor } from './wait.ts';

/** A workload of any kind as stored now, as plain JSON. */
export async function readWorkload(
  namespace: string,
  kind: WorkloadKind | WorkloadKindSpec,
  name: string,
  kubeConfig: KubeConfig = adminKubeConfig(),
): Promise<WorkloadObject> {
  const spec = typeof kind === 'string' ? ALL_KNOWN_KINDS.byKind(kind) : kind;
  if (!spec) throw new Error(`${String(kind)} is not a kind the tests know; pass its WorkloadKindSpec`);
  const group = groupOf(spec);
  const version = versionOf(spec);
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  // The custom-objects client reads any group's objects as plain JSON; apps and batch included.
  return (await api.getNamespacedCustomObject({ group, version, namespace, plural: spec.plural, name })) as WorkloadObject;
}

/** The pod-template checksum of a workload as stored now, read where its kind keeps the template. */
export async function templateChecksumOf(namespace: string, kind: WorkloadKind | WorkloadKindSpec, name: string): Promise<string | undefined> {
  const spec = typeof kind === 'string' ? ALL_KNOWN_KINDS.byKind(kind) : kind;
  const template = valueAtPointer(await readWorkload(namespace, kind, name), spec?.templatePointer ?? '/spec/template');
  const annotations = valueAtPointer(template, '/metadata/annotations');
  const checksum = (annotations as Record<string, unknown> | undefined)?.[CHECKSUM_ANNOTATION];
  return typeof checksum === 'string' ? checksum : undefined;
}

/** The workload's UID as stored now. */
export async function workloadUid(namespace: string, kind: WorkloadKind | WorkloadKindSpec, name: string, kubeConfig: KubeConfig = adminKubeConfig()): Promise<string> {
  return (await readWorkload(namespace, kind, name, kubeConfig)).metadata?.uid ?? '';
}

/** confighash's WorkloadRecord for the workload as it exists now (by its UID), or undefined. */
export async function workloadRecord(
  namespace: string,
  kind: WorkloadKind | WorkloadKindSpec,
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

/**
 * The owner references of the workload's WorkloadRecord; then deletes the workload and waits
 * for the garbage collector to delete the record with it (it would not, were the owner
 * reference's apiVersion wrong).
 */
export async function recordOwnersThenDelete(kubeConfig: KubeConfig, namespace: string, kind: WorkloadKindSpec | string, resource: string, name: string): Promise<string[][]> {
  const uid = (await readWorkload(namespace, kind, name)).metadata?.uid ?? '';
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const record = (await api.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: RECORD_PLURAL, name: uid })) as {
    metadata?: { ownerReferences?: { apiVersion: string; kind: string; name: string }[] };
  };
  await kubectl(['-n', namespace, 'delete', resource, name]);
  await waitFor(
    () =>
      api.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: RECORD_PLURAL, name: uid }).then(
        () => false,
        (err: unknown) => (err as { code?: number }).code === 404,
      ),
    { description: `the garbage collector to delete the WorkloadRecord of ${name} with it`, timeoutMs: 60_000 },
  );
  return (record.metadata?.ownerReferences ?? []).map((ref) => [ref.apiVersion, ref.kind, ref.name]);
}

