import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Completes "timed out waiting for ...". */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls `probe` until it returns something other than undefined or false, and returns
 * that. A throw counts as "not yet"; the last one is quoted when time runs out.
 */
export async function poll<T>(
  probe: () => Promise<T | undefined | false>,
  { what, timeoutMs = 60_000, intervalMs = 250, signal }: PollOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    }
    await sleep(intervalMs, undefined, signal ? { signal } : undefined);
  }
}
