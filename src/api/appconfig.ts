import type { SourceKind, WorkloadKind } from './constants.ts';

/** spec.configMaps[] / spec.secrets[]: an object in the AppConfig's namespace. */
export interface SourceSelector {
  name: string;
  /** Only these keys count toward the checksum; absent means every key. */
  keys?: string[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface WorkloadName {
  kind: WorkloadKind;
  name: string;
}

export interface WorkloadsSelector {
  /** Matched against the workload's own metadata labels. */
  selector?: LabelSelector;
  names?: WorkloadName[];
}

export interface AppConfigSpec {
  configMaps?: SourceSelector[];
  secrets?: SourceSelector[];
  /** Absent: every workload in the namespace whose pod template references a listed object. */
  workloads?: WorkloadsSelector;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface SourceStatus {
  kind: SourceKind;
  name: string;
  /** Absent while the object is missing. */
  checksum?: string;
}

export interface TargetStatus {
  kind: WorkloadKind;
  name: string;
  checksum?: string;
  lastRolloutTime?: string;
  reason: string;
}

export interface AppConfigStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  sources?: SourceStatus[];
  targets?: TargetStatus[];
  /** Printer columns: counts kept in status so `kubectl get ac` can show them. */
  sourceCount?: number;
  targetCount?: number;
  /** Covered workloads not listed in `targets` (the list is capped; those needing attention come first). */
  targetsOmitted?: number;
}

export interface AppConfig {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string; generation?: number; resourceVersion?: string };
  spec: AppConfigSpec;
  status?: AppConfigStatus;
}
