import type { AppConfigSpec } from '../api/appconfig.ts';
import type { SourceKind, WorkloadKind } from '../api/constants.ts';

/** "ConfigMap/web-config" or "Secret/web-secret": a source within one namespace. */
export type SourceId = `${SourceKind}/${string}`;

/** Which keys of a ConfigMap or Secret a consumer can see. `keys` is sorted and unique. */
export type KeyScope = { readonly kind: 'all' } | { readonly kind: 'keys'; readonly keys: readonly string[] };

/**
 * The content of one ConfigMap or Secret reduced to a digest per key; values never kept.
 * ConfigMap values are hashed with SHA-256, Secret values with HMAC-SHA256 under the install key.
 */
export interface ContentDigest {
  readonly data: Readonly<Record<string, string>>;
  readonly binaryData: Readonly<Record<string, string>>;
}

/** What the controller keeps of a Deployment, StatefulSet or DaemonSet: no pod template. */
export interface WorkloadFacts {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  /**
   * metadata.resourceVersion, as read. Optional; when known, a patch that must create
   * metadata.annotations tests it, because annotation edits do not bump the generation and
   * an `add` of the whole map would otherwise erase annotations written since the read
   * (the Deployment controller writes one as soon as a Deployment is created).
   */
  readonly resourceVersion?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Sources the pod template consumes, with the keys it can see. */
  readonly references: ReadonlyMap<SourceId, KeyScope>;
  /** spec.template.metadata.annotations[CHECKSUM_ANNOTATION], as read. */
  readonly templateChecksum?: string;
  /** metadata.annotations[BASELINE_ANNOTATION], as read. */
  readonly baseline?: string;
  /** Whether spec.template.metadata.annotations exists (a JSON Patch `add` into it needs the map). */
  readonly templateHasAnnotations: boolean;
  readonly templateHasMetadata: boolean;
  /** Whether metadata.annotations exists. */
  readonly hasAnnotations: boolean;
}

/** What the controller keeps of an AppConfig. */
export interface AppConfigFacts {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  readonly spec: AppConfigSpec;
}

/** One source as it enters a workload's checksum. */
export interface ScopedSource {
  readonly kind: SourceKind;
  readonly name: string;
  readonly scope: KeyScope;
  /**
   * Undefined while the object does not exist. A workload adopted while a listed object was
   * missing records that absence, so creating the object later counts as a content change.
   */
  readonly digest: ContentDigest | undefined;
}
