import type { ObservedAppConfig } from '../k8s/fact-store.ts';

/**
 * A confighash.dev/roll-now value that the status has not recorded yet: what is pending rolls
 * outside the maintenance windows. The status records the value once nothing covered waits
 * to roll any more, and from then on the windows hold again.
 */
export function rollNowPending(ac: Pick<ObservedAppConfig, 'rollNow' | 'status'>): boolean {
  return ac.rollNow !== undefined && ac.rollNow !== ac.status?.rolledNowWith;
}
