/**
 * AppConfig statuses that wait for their workloads' reconciles, so that one content change
 * costs one status write instead of two: one before the rollout (Pending) and one after it
 * (InSync). A status waits only for workload keys that are due to run and are not failing,
 * since a failing one must show in status at once; and it waits at most `maxHoldMs` from
 * its first hold, so a steady stream of changes cannot keep a status stale for ever.
 */
export class StatusHold {
  readonly #maxHoldMs: number;
  /** Status key → when it was first held in its current wait. */
  readonly #heldSince = new Map<string, number>();
  /** Workload key → the status keys waiting for its run to end. */
  readonly #waitingFor = new Map<string, Set<string>>();

  constructor(maxHoldMs: number) {
    this.#maxHoldMs = maxHoldMs;
  }

  /**
   * Whether `statusKey` should wait for `blocking` (workload keys still to run) rather than
   * be written now. When it should, the hold is recorded, and `release` of any of those
   * workload keys hands the status key back.
   */
  shouldWait(statusKey: string, blocking: readonly string[], now: number): boolean {
    const since = this.#heldSince.get(statusKey);
    if (blocking.length === 0 || (since !== undefined && now - since >= this.#maxHoldMs)) {
      this.#heldSince.delete(statusKey);
      return false;
    }
    if (since === undefined) this.#heldSince.set(statusKey, now);
    for (const workloadKey of blocking) {
      const waiting = this.#waitingFor.get(workloadKey) ?? new Set<string>();
      waiting.add(statusKey);
      this.#waitingFor.set(workloadKey, waiting);
    }
    return true;
  }

  /** The run of `workloadKey` ended (either way): the status keys that waited for it. */
  release(workloadKey: string): string[] {
    const waiting = this.#waitingFor.get(workloadKey);
    if (!waiting) return [];
    this.#waitingFor.delete(workloadKey);
    return [...waiting];
  }

  /** Status keys held now: the unit tests check that a written or released status leaves the hold. */
  get size(): number {
    return this.#heldSince.size;
  }
}
