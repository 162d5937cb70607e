/** How long a changed key stays quiet before it runs. */
export interface QuietPeriod {
  /** Quiet period after the latest change; 0 runs the key on the next tick. */
  debounceMs: number;
  /** Longest wait from the first change of a burst; 0 means no cap. */
  debounceMaxMs: number;
}

/**
 * Why a scheduled key waits: changes that have not been quiet long enough,
 * a retry after a failed run, or both.
 */
export interface Wait {
  /** The burst of changes since the key last ran: when it started and when it last grew. */
  changes?: { firstAt: number; lastAt: number };
  /** The retry of a failed run: due at `at`, but never before `notBefore` (the server's Retry-After). */
  retry?: { at: number; notBefore: number };
}

/**
 * When a waiting key becomes due.
 *
 * Changes: `debounceMs` after the latest one, but no later than `debounceMaxMs`
 * after the first, so a steady stream of changes cannot postpone the work
 * forever. A retry: at its own time, or earlier when a quiet period after new
 * changes ends first (the change may be what fixes the failure), but never
 * before the time the server asked for.
 */
export function dueAt(wait: Wait, quiet: QuietPeriod): number {
  let due = Number.POSITIVE_INFINITY;
  if (wait.changes) {
    due = wait.changes.lastAt + quiet.debounceMs;
    if (quiet.debounceMaxMs > 0) due = Math.min(due, wait.changes.firstAt + quiet.debounceMaxMs);
  }
  if (wait.retry) due = Math.max(Math.min(due, wait.retry.at), wait.retry.notBefore);
  return due;
}
