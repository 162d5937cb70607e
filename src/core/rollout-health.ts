import type { WorkloadFacts } from './types.ts';

/** How a workload's current template is doing, as its workload controller reports it. */
export type RolloutHealth = 'available' | 'progressing' | 'failed';

/** StatefulSets, DaemonSets and kinds given by flag have no progress deadline of their own; an AppConfig may set one. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/**
 * Available: the workload controller has acted on the current spec, every wanted pod runs the
 * current template and is available, and no pod of an older template is left (a Deployment
 * keeps its old pods available while the new ones are not, and `available` counts those).
 * Failed: a Deployment or Argo Rollout says ProgressDeadlineExceeded, or another kind is still not available
 * `deadlineMs` after confighash rolled it.
 */
export function rolloutHealth(workload: WorkloadFacts, sinceRolloutMs: number | undefined, deadlineMs: number): RolloutHealth {
  const { progress } = workload;
  const caughtUp =
    progress.observedGeneration >= workload.generation &&
    progress.updated >= progress.desired &&
    progress.available >= progress.desired &&
    progress.total <= progress.updated;
  if (caughtUp) return 'available';
  if (progress.deadlineExceeded) return 'failed';
  if (!progress.reportsDeadline && sinceRolloutMs !== undefined && sinceRolloutMs > deadlineMs) return 'failed';
  return 'progressing';
}
