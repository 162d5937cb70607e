import type { WorkloadRecordSpec } from '../../src/api/workload-record.ts';
import type { KubeApi } from './api.ts';
import type { DeploymentView } from './deployment-view.ts';
import { paths } from './objects.ts';
import { Tracker } from './tracker.ts';
import type { KubeObject } from './watch.ts';

export interface WorkloadRecordObject extends KubeObject {
  spec?: Partial<Pick<WorkloadRecordSpec, 'workload' | 'checksum' | 'placement'>>;
}

/** What the scenarios look at on a WorkloadRecord. */
export interface RecordView {
  /** The UID of the workload the record was written for. */
  workloadUid: string;
  checksum: string | undefined;
  placement: string | undefined;
}

export function recordView(r: WorkloadRecordObject): RecordView {
  return { workloadUid: r.spec?.workload?.uid ?? '', checksum: r.spec?.checksum, placement: r.spec?.placement };
}

/**
 * "namespace/<workload name>", so a record is found from the Deployment's key. The record's
 * own name is the workload UID; a workload re-created under the same name would share this
 * key with its predecessor's record, which the bench never does (and `adopted` checks the UID).
 */
export function recordKey(r: WorkloadRecordObject): string {
  return `${r.metadata?.namespace ?? ''}/${r.spec?.workload?.name ?? ''}`;
}

/** A list+watch view of the WorkloadRecords of one namespace (or all of them). */
export function recordTracker(api: KubeApi, namespace?: string): Tracker<WorkloadRecordObject, RecordView> {
  return new Tracker<WorkloadRecordObject, RecordView>({ api, collectionPath: paths.workloadRecords(namespace), project: recordView, keyOf: recordKey });
}

/** confighash has adopted the Deployment as it exists now: a record for its current UID exists. */
export function adopted(deployment: Pick<DeploymentView, 'uid'> | undefined, record: RecordView | undefined): boolean {
  return deployment !== undefined && deployment.uid !== '' && record?.workloadUid === deployment.uid;
}

/** The record's checksum when it belongs to the Deployment's current UID, else the pod template's. */
export function recordedChecksum(deployment: DeploymentView, record: RecordView | undefined): string | undefined {
  return (adopted(deployment, record) ? record?.checksum : undefined) ?? deployment.checksum;
}
