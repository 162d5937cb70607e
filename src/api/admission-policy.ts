import { DEFAULT_WORKLOAD_KINDS, groupOf, type WorkloadKindSpec } from './workload-kinds.ts';

/**
 * The parameters of the ValidatingAdmissionPolicy confighash-appconfig-author: which REST
 * resource each kind an AppConfig may cover is, so that the apiserver's authorizer can be
 * asked whether the author may `patch` it. Kinds added by --workload-kind must be added here
 * too (one key per kind, value GROUP/RESOURCE); see docs/security.md.
 */
export const COVERED_KINDS_CONFIGMAP = 'confighash-covered-kinds';

/** Members of this group may write WorkloadRecords by hand (the controller then re-baselines them). */
export const BREAK_GLASS_GROUP = 'confighash:break-glass';

/** "apps/deployments": the value the policy splits into the authorizer's group and resource. */
export function groupResourceOf(spec: Pick<WorkloadKindSpec, 'apiVersion' | 'plural'>): string {
  return `${groupOf(spec)}/${spec.plural}`;
}

export function coveredKindsConfigMap(kinds: readonly WorkloadKindSpec[] = DEFAULT_WORKLOAD_KINDS): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: COVERED_KINDS_CONFIGMAP, labels: { 'app.kubernetes.io/name': 'confighash' } },
    data: Object.fromEntries(kinds.map((spec) => [spec.kind, groupResourceOf(spec)])),
  };
}
