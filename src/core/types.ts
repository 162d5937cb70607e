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

/** The Reloader annotations of a workload: on its own metadata, and on its pod template's. */
export interface ReloaderAnnotations {
  readonly workload: Readonly<Record<string, string>>;
  readonly template: Readonly<Record<string, string>>;
}

/** What the controller keeps of a workload (Deployment, CronJob, ...): no pod template. */
export interface WorkloadFacts {
  /** "apps/v1", "batch/v1", "argoproj.io/v1alpha1": for owner references and Events. */
  readonly apiVersion: string;
  readonly kind: WorkloadKind;
  /** JSON pointer of the pod template in the object: /spec/template, /spec/jobTemplate/spec/template. */
  readonly templatePointer: string;
  /**
   * The workload this one takes its pod template from, instead of having one (an Argo Rollout's
   * spec.workloadRef naming a Deployment). Such a workload is never written; the other one is.
   */
  readonly templateFrom?: { readonly kind: WorkloadKind; readonly name: string };
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** Bumped by every change of the spec, so also by any write of the pod-template checksum. */
  readonly generation: number;
  /** metadata.resourceVersion, as read: tells a write's response apart from an older watch event. */
  readonly resourceVersion?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Sources the pod template consumes, with the keys it can see. */
  readonly references: ReadonlyMap<SourceId, KeyScope>;
  /** The pod template's metadata.annotations[CHECKSUM_ANNOTATION], as read. */
  readonly templateChecksum?: string;
  /** Whether the pod template's metadata.annotations exists (a JSON Patch `add` into it needs the map). */
  readonly templateHasAnnotations: boolean;
  readonly templateHasMetadata: boolean;
  /** A digest of the whole pod template: when it changes, the workload controller rolls the pods. */
  readonly templateDigest: string;
  /** metadata.annotations["confighash.dev/ignore"] is "true": never patched. */
  readonly ignored: boolean;
  /** Stakater Reloader's opt-in annotations on the workload and its pod template, when it has any (--reloader-annotations). */
  readonly reloader?: ReloaderAnnotations;
  /** How far the workload controller got with the current template (from status). */
  readonly progress: RolloutProgress;
  /**
   * The fact store's observation stamp of the last pod-template change it saw happen (a
   * watch event or a write's response). Undefined when no such change was seen live, e.g.
   * right after start-up or when a relist found the template changed at an unknown time.
   */
  readonly templateChangedAt?: number;
}

/** The workload controller's progress with the current pod template, read from status. */
export interface RolloutProgress {
  /** status.observedGeneration: the spec generation the controller has acted on. */
  readonly observedGeneration: number;
  /** Pods wanted (replicas, or desiredNumberScheduled for a DaemonSet). */
  readonly desired: number;
  /** Pods running the current template. */
  readonly updated: number;
  /**
   * Pods of every template (status.replicas). While it exceeds `updated`, pods of an older
   * template still run, and `available` may be counting them rather than the new ones.
   */
  readonly total: number;
  /** Pods available. */
  readonly available: number;
  /** The Progressing condition is False with reason ProgressDeadlineExceeded (Deployment, Argo Rollout). */
  readonly deadlineExceeded: boolean;
  /**
   * The workload controller reports a progress deadline of its own (Deployment, Argo
   * Rollout); for other kinds the AppConfig's spec.rollout.progressDeadlineSeconds applies.
   */
  readonly reportsDeadline: boolean;
}

/** What the controller keeps of an AppConfig. */
export interface AppConfigFacts {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  readonly spec: AppConfigSpec;
  /** metadata.annotations["confighash.dev/resume"]: a new value resumes a halted rollout. */
  readonly resume?: string;
  /** metadata.annotations["confighash.dev/roll-now"]: a new value rolls what is pending outside the maintenance windows, once. */
  readonly rollNow?: string;
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

/**
 * A source as it counts for a workload now, with the fact store's stamp of its last content
 * change: 0 for content already there at start-up, otherwise no earlier than the change.
 */
export interface CountedSource extends ScopedSource {
  readonly changedAt: number;
}
