import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Says what we wait for, completing "timed out waiting for ...". */
  description: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** Stops waiting (rejects) when aborted, e.g. on Ctrl-C in the demo. */
  signal?: AbortSignal;
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Polls `probe` until it returns a value other than undefined, null or false, and
 * returns that value. A throw counts as "not yet"; the last one is in the timeout error.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { description, timeoutMs = 30_000, intervalMs = 200, signal }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${description} (last: ${describe(last)})`);
    }
    await sleep(intervalMs, undefined, signal ? { signal } : undefined);
  }
}

export interface SettleOptions extends WaitOptions {
  /** How long the value must stay the same to count as settled. */
  stableForMs?: number;
}

/**
 * Reads until the value has not changed for `stableForMs`, then returns it: for counts
 * that controllers may still be changing, such as ReplicaSets after a patch.
 */
export async function settle<T>(
  read: () => Promise<T>,
  { description, timeoutMs = 60_000, intervalMs = 250, stableForMs = 3000 }: SettleOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  let since = Date.now();
  for (;;) {
    if (Date.now() - since >= stableForMs) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${description} to settle (still changing, last: ${describe(value)})`);
    }
    await sleep(intervalMs);
    const next = await read();
    if (describe(next) !== describe(value)) {
      value = next;
      since = Date.now();
    }
  }
}
