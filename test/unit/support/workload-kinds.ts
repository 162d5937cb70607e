import { DEFAULT_WORKLOAD_KINDS, KNOWN_WORKLOAD_KINDS, WorkloadKinds, type WorkloadKindSpec } from '../../../src/api/workload-kinds.ts';

/** Every kind confighash knows, as the controller has them with `--workload-kind argoproj.io/v1alpha1/Rollout`. */
export const ALL_KNOWN_KINDS = new WorkloadKinds([...DEFAULT_WORKLOAD_KINDS, ...KNOWN_WORKLOAD_KINDS]);

/** The spec of a default or known kind, by name; throws for any other. */
export function kindSpec(kind: string): WorkloadKindSpec {
  const spec = ALL_KNOWN_KINDS.byKind(kind);
  if (!spec) throw new Error(`no kind ${kind} among the default and known ones`);
  return spec;
}
