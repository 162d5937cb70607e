/** The one place for names the controller, the manifests and the tests share. */
export const API_GROUP = 'confighash.dev';
export const API_VERSION = 'v1';
export const APPCONFIG_KIND = 'AppConfig';
export const APPCONFIG_PLURAL = 'appconfigs';
export const APPCONFIG_SINGULAR = 'appconfig';
export const APPCONFIG_SHORT_NAMES = ['ac'];

/** Pod-template annotation holding the content checksum; changing it rolls the workload. */
export const CHECKSUM_ANNOTATION = 'confighash.dev/checksum';

/**
 * WorkloadRecord: confighash's own per-workload record of the content the pods run with,
 * one object per workload UID in the workload's namespace. It lives outside the workload
 * so that a `kubectl replace` of the workload cannot wipe it, and writing it never rolls.
 */
export const RECORD_KIND = 'WorkloadRecord';
export const RECORD_PLURAL = 'workloadrecords';
export const RECORD_SINGULAR = 'workloadrecord';
export const RECORD_SHORT_NAMES = ['wlr'];

/** Workload annotation: "true" opts the workload out; confighash never patches it. */
export const IGNORE_ANNOTATION = 'confighash.dev/ignore';
/** AppConfig annotation: a new value resumes a halted rollout (`kubectl annotate ac NAME confighash.dev/resume=$(date +%s) --overwrite`). */
export const RESUME_ANNOTATION = 'confighash.dev/resume';

/** AppConfig annotation: a new value rolls what is pending now outside the maintenance windows, once (`kubectl annotate ac NAME confighash.dev/roll-now=$(date +%s) --overwrite`). */
export const ROLL_NOW_ANNOTATION = 'confighash.dev/roll-now';

export const FIELD_MANAGER = 'confighash';
export const CONTROLLER_NAME = 'confighash-controller';

/** Secret holding the per-install HMAC key that makes Secret checksums unguessable. */
export const HMAC_SECRET_NAME = 'confighash-hmac-key';
export const HMAC_SECRET_KEY = 'key';

export type { WorkloadKind } from './workload-kinds.ts';

export const SOURCE_KINDS = ['ConfigMap', 'Secret'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
