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

export type WindowDay = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';

/** spec.rollout.windows[]: when rollouts may start, on the wall clock of `timeZone`. */
export interface MaintenanceWindow {
  days: WindowDay[];
  /** "HH:MM" */
  start: string;
  /** "HH:MM"; at or before start: the window runs past midnight. */
  end: string;
  /** IANA name, e.g. Europe/Berlin or UTC. */
  timeZone: string;
}

/** How a content change reaches the covered workloads. */
export interface RolloutSpec {
  /** At most this many covered workloads rolling at once; absent: no limit. */
  maxUnavailableWorkloads?: number;
  /** Roll nothing more for a change once a workload rolled for it fails; default true when maxUnavailableWorkloads is set. */
  haltOnFailure?: boolean;
  /** How long a StatefulSet or DaemonSet may take to become available before it counts as failed (Deployments use their own). */
  progressDeadlineSeconds?: number;
  /** Roll only while one of these is open; a change made outside waits (target reason Waiting) and rolls once when one opens. */
  windows?: MaintenanceWindow[];
}

export interface AppConfigSpec {
  configMaps?: SourceSelector[];
  secrets?: SourceSelector[];
  /** Absent: every workload in the namespace whose pod template references a listed object. */
  workloads?: WorkloadsSelector;
  rollout?: RolloutSpec;
  /** Compute everything, write only status and Events (WouldRoll): roll nothing. */
  suspend?: boolean;
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

/** The last rollout confighash started for a workload, and why. */
export interface TargetRollout {
  time: string;
  /** The sources and keys whose content changed ("ConfigMap web-config (LOG_LEVEL)"). */
  changed: string[];
  /** The first characters of the old and new checksums. */
  from?: string;
  to: string;
}

export interface TargetStatus {
  kind: WorkloadKind;
  name: string;
  checksum?: string;
  lastRolloutTime?: string;
  lastRollout?: TargetRollout;
  reason: string;
  /** With reason Waiting for a maintenance window: when the next one opens ("2026-12-05T02:00:00.000Z (Sat 02:00-04:00 Europe/Berlin)"). */
  nextWindow?: string;
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
  /** Covered workloads that confighash rolled and that are not available with their new template yet. */
  rollingCount?: number;
  /** Covered workloads whose rollout failed and halted the change (see the RolloutHalted condition). */
  haltedCount?: number;
  /** The value of the confighash.dev/resume annotation that last resumed a halted change. */
  resumedWith?: string;
  /** Failed rollouts ("Deployment/web@<checksum>") that resume acknowledged: they no longer halt. */
  acknowledgedFailures?: string[];
  /** The value of the confighash.dev/roll-now annotation that last let pending changes roll outside the windows. */
  rolledNowWith?: string;
}

export interface AppConfig {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string; generation?: number; resourceVersion?: string };
  spec: AppConfigSpec;
  status?: AppConfigStatus;
}
