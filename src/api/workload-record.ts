import type { SourceKind, WorkloadKind } from './constants.ts';

/** Where the recorded checksum is: in the pod template (it rolled the pods) or only here. */
export type RecordPlacement = 'Template' | 'Baseline';

/** One ConfigMap or Secret as the workload's pods were last known to see it. */
export interface RecordedSource {
  kind: SourceKind;
  name: string;
  /** The keys that counted (sorted); absent: every key of the object. */
  keys?: string[];
  /** The object did not exist when recorded: creating it is a content change. */
  absent?: boolean;
  /** A short digest per counted `data` key (never a value). */
  data?: Record<string, string>;
  /** A short digest per counted `binaryData` key. */
  binaryData?: Record<string, string>;
}

export interface RecordedWorkload {
  kind: WorkloadKind;
  name: string;
  uid: string;
}

/** The last rollout confighash started, and why. */
export interface RecordedRollout {
  time: string;
  /** "ConfigMap web-config (LOG_LEVEL)": the sources and keys whose content changed. */
  changed: string[];
  from?: string;
  to: string;
}

export interface WorkloadRecordSpec {
  workload: RecordedWorkload;
  /** The checksum of the content the pods run with. */
  checksum: string;
  placement: RecordPlacement;
  /** HMAC key id the Secret digests were made under; absent when no Secret counts. */
  keyId?: string;
  sources: RecordedSource[];
  lastRollout?: RecordedRollout;
}
