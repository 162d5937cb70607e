/**
 * The kinds of workload confighash covers: every object that holds a pod template at a known
 * place. Four are covered by default; `--workload-kind GROUP/VERSION/KIND[=POINTER]` adds
 * Argo Rollouts (a known kind, no pointer needed) or any other kind (see
 * src/config/workload-kinds.ts). A workload is named by its kind's name alone
 * ("Deployment/web"), so two kinds of one name are refused at start-up.
 */
export type WorkloadKind = string;

/**
 * How the workload controller reports progress with the current pod template:
 * - replicas: status.observedGeneration, replicas, updatedReplicas and availableReplicas
 *   (Deployment, StatefulSet, Argo Rollout);
 * - daemons: desiredNumberScheduled, updatedNumberScheduled and numberAvailable (DaemonSet);
 * - none: nothing rolls when the template changes; the next pods created use it (CronJob,
 *   and any kind given by flag), so a template write is done as soon as it is stored.
 */
export type ProgressModel = 'replicas' | 'daemons' | 'none';

export interface WorkloadKindSpec {
  /** "apps/v1", "batch/v1", "argoproj.io/v1alpha1". */
  readonly apiVersion: string;
  readonly kind: WorkloadKind;
  /** The REST resource name: deployments, cronjobs, rollouts. */
  readonly plural: string;
  /** JSON pointer (RFC 6901) of the pod template in the object: /spec/template. */
  readonly templatePointer: string;
  readonly progress: ProgressModel;
  /**
   * JSON pointer of a reference to another workload whose pod template this one uses instead
   * of its own ({apiVersion, kind, name}): Argo Rollouts' /spec/workloadRef.
   */
  readonly templateRefPointer?: string;
  /**
   * The workload controller says ProgressDeadlineExceeded by itself (Deployment, Argo
   * Rollout); for the others, spec.rollout.progressDeadlineSeconds of the AppConfig applies.
   */
  readonly reportsProgressDeadline: boolean;
}

/** Covered without any flag: served by every cluster. */
export const DEFAULT_WORKLOAD_KINDS: readonly WorkloadKindSpec[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', templatePointer: '/spec/template', progress: 'replicas', reportsProgressDeadline: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', templatePointer: '/spec/template', progress: 'replicas', reportsProgressDeadline: false },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', templatePointer: '/spec/template', progress: 'daemons', reportsProgressDeadline: false },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    templatePointer: '/spec/jobTemplate/spec/template',
    progress: 'none',
    reportsProgressDeadline: false,
  },
];

/**
 * Known, but covered only when named by --workload-kind: their CRDs are not in every cluster,
 * and watching a resource the server does not serve fails.
 */
export const KNOWN_WORKLOAD_KINDS: readonly WorkloadKindSpec[] = [
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    plural: 'rollouts',
    templatePointer: '/spec/template',
    templateRefPointer: '/spec/workloadRef',
    progress: 'replicas',
    reportsProgressDeadline: true,
  },
];

/** The API group of a kind ('' for the core group), as RBAC and admission requests name it. */
export function groupOf(spec: Pick<WorkloadKindSpec, 'apiVersion'>): string {
  const slash = spec.apiVersion.indexOf('/');
  return slash < 0 ? '' : spec.apiVersion.slice(0, slash);
}

export function versionOf(spec: Pick<WorkloadKindSpec, 'apiVersion'>): string {
  return spec.apiVersion.slice(spec.apiVersion.indexOf('/') + 1);
}

/** The REST path of a kind's collection: /apis/apps/v1 for apps/v1, /api/v1 for v1. */
export function apiPrefixOf(spec: Pick<WorkloadKindSpec, 'apiVersion'>): string {
  return groupOf(spec) === '' ? `/api/${spec.apiVersion}` : `/apis/${spec.apiVersion}`;
}

/** The kinds in effect, looked up by name or by what an admission request or a manifest says. */
export class WorkloadKinds {
  readonly #byKind: ReadonlyMap<WorkloadKind, WorkloadKindSpec>;

  constructor(specs: readonly WorkloadKindSpec[]) {
    const byKind = new Map<WorkloadKind, WorkloadKindSpec>();
    for (const spec of specs) {
      const same = byKind.get(spec.kind);
      if (same) throw new Error(`two workload kinds are named ${spec.kind} (${same.apiVersion} and ${spec.apiVersion}); confighash names workloads by kind`);
      byKind.set(spec.kind, spec);
    }
    this.#byKind = byKind;
  }

  get all(): readonly WorkloadKindSpec[] {
    return [...this.#byKind.values()];
  }

  get names(): readonly WorkloadKind[] {
    return [...this.#byKind.keys()];
  }

  byKind(kind: string): WorkloadKindSpec | undefined {
    return this.#byKind.get(kind);
  }

  /** The spec for an object of this apiVersion and kind; undefined for any other version or kind. */
  byApiVersion(apiVersion: unknown, kind: unknown): WorkloadKindSpec | undefined {
    const spec = typeof kind === 'string' ? this.#byKind.get(kind) : undefined;
    return spec?.apiVersion === apiVersion ? spec : undefined;
  }

  /** The spec for an admission request's kind (group, version, kind). */
  byGroupVersionKind(group: unknown, version: unknown, kind: unknown): WorkloadKindSpec | undefined {
    const spec = typeof kind === 'string' ? this.#byKind.get(kind) : undefined;
    return spec && groupOf(spec) === group && versionOf(spec) === version ? spec : undefined;
  }
}
