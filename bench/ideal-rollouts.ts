import { dueAt, type QuietPeriod } from '../src/queue/due-time.ts';

/**
 * How many times a workload must roll for one ConfigMap's content edits, made at
 * `editTimesMs`, under the controller's quiet period. Every edit changes the content, so
 * the ideal is one rollout per run of the queue:
 *
 * - an edit opens a group (a "burst" in the queue's words) unless one is open;
 * - the group's run is due `debounceMs` after its latest edit, but no later than
 *   `debounceMaxMs` after its first (0: no cap): the queue's own `dueAt`;
 * - an edit made before that due time joins the group and, within the cap, postpones it;
 *   an edit made at or after it finds the group run and opens the next one.
 *
 * So the count is the number of quiet-period groups: 1 + the gaps of at least `debounceMs`,
 * plus one more each time a stream of closer edits reaches the cap. Edits are assumed to
 * reach the controller with the same delay each; see `idealRolloutRange` for what a
 * different delay could change.
 */
export function quietPeriodGroups(editTimesMs: readonly number[], quiet: QuietPeriod): number {
  const times = [...editTimesMs].sort((a, b) => a - b);
  let groups = 0;
  let open: { firstAt: number; lastAt: number } | undefined;
  for (const at of times) {
    if (open && at < dueAt({ changes: open }, quiet)) {
      open.lastAt = at;
      continue;
    }
    if (open) groups += 1;
    open = { firstAt: at, lastAt: at };
  }
  return open ? groups + 1 : groups;
}

export interface IdealRollouts {
  /** Σ over ConfigMaps of quiet-period groups × the workloads reading that ConfigMap. */
  ideal: number;
  /**
   * The same with the quiet period `marginMs` longer (fewer groups) and shorter (more):
   * what the ideal could be had the edits reached the controller up to `marginMs` earlier or
   * later relative to each other than the bench saw them acknowledged. Equal to `ideal` when
   * no gap lies within the margin of the quiet period.
   */
  low: number;
  high: number;
}

/** The ideal rollout count over many ConfigMaps, each read by `workloadsPerConfigMap` workloads. */
export function idealRollouts(editTimesByConfigMap: ReadonlyMap<string, readonly number[]>, workloadsPerConfigMap: number, quiet: QuietPeriod, marginMs = 0): IdealRollouts {
  const count = (debounceMs: number): number => {
    let total = 0;
    for (const times of editTimesByConfigMap.values()) total += quietPeriodGroups(times, { ...quiet, debounceMs }) * workloadsPerConfigMap;
    return total;
  };
  return {
    ideal: count(quiet.debounceMs),
    low: count(quiet.debounceMs + marginMs),
    high: count(Math.max(0, quiet.debounceMs - marginMs)),
  };
}
