import type { CustomObjectCalls } from './json-clients.ts';
import { API_GROUP, API_VERSION, FIELD_MANAGER, RECORD_KIND, RECORD_PLURAL } from '../api/constants.ts';
import type { WorkloadRecordSpec } from '../api/workload-record.ts';
import { observedRecord, type ObservedRecord } from './projections.ts';
import type { ApiRequestObserver } from './raw-request.ts';
import { abortableRequest } from './request-options.ts';

/**
 * Creates or replaces a workload's WorkloadRecord and returns it as stored. A record is
 * named after the workload's UID, so a workload re-created under the same name gets a new
 * one; it is owned by the workload, so the garbage collector deletes it with the workload.
 * A replace carries the resourceVersion it read: a concurrent writer makes it fail (409).
 */
export async function writeWorkloadRecord(
  api: CustomObjectCalls,
  namespace: string,
  existing: ObservedRecord | undefined,
  spec: WorkloadRecordSpec,
  /** The workload's apiVersion ("apps/v1", "batch/v1"), for the owner reference. */
  ownerApiVersion: string,
  signal: AbortSignal,
  observe?: ApiRequestObserver,
  /** Clear metadata.managedFields: drops the entries of others who wrote an untrusted record. */
  clearOtherWriters = false,
): Promise<ObservedRecord> {
  const { workload } = spec;
  const body = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: RECORD_KIND,
    metadata: {
      name: workload.uid,
      namespace,
      ...(existing ? { resourceVersion: existing.resourceVersion } : {}),
      // [{}], not []: an empty list leaves managedFields as they are (server-side apply's rule).
      ...(existing && clearOtherWriters ? { managedFields: [{}] } : {}),
      labels: { 'app.kubernetes.io/managed-by': 'confighash' },
      ownerReferences: [{ apiVersion: ownerApiVersion, kind: workload.kind, name: workload.name, uid: workload.uid }],
    },
    spec,
  };
  const request = { group: API_GROUP, version: API_VERSION, namespace, plural: RECORD_PLURAL, body, fieldManager: FIELD_MANAGER };
  const stored = existing
    ? await api.replaceNamespacedCustomObject({ ...request, name: workload.uid }, abortableRequest(signal, observe))
    : await api.createNamespacedCustomObject(request, abortableRequest(signal, observe));
  const record = observedRecord(stored as Parameters<typeof observedRecord>[0]);
  if (!record) throw new Error(`the apiserver returned a ${RECORD_KIND} without spec.workload`);
  return record;
}
