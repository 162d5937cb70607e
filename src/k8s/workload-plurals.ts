import type { WorkloadKind } from '../api/constants.ts';

/** The REST resource name of each workload kind (group apps, version v1). */
export const WORKLOAD_PLURALS: Readonly<Record<WorkloadKind, string>> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
};
