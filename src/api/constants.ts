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
 * Workload (not pod-template) annotation holding the checksum recorded when confighash
 * adopted the workload without rolling it. Writing it never starts a rollout.
 */
export const BASELINE_ANNOTATION = 'confighash.dev/baseline';

export const FIELD_MANAGER = 'confighash';
export const CONTROLLER_NAME = 'confighash-controller';

/** Secret holding the per-install HMAC key that makes Secret checksums unguessable. */
export const HMAC_SECRET_NAME = 'confighash-hmac-key';
export const HMAC_SECRET_KEY = 'key';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export const SOURCE_KINDS = ['ConfigMap', 'Secret'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
