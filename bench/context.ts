import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBenchController, type BenchController } from './controller.ts';
import type { KubeApi } from './kube/api.ts';
import type { BenchProfile } from './profile.ts';

/** What every scenario gets: the one control plane of this run, and how to start the controller. */
export interface BenchContext {
  /** Admin access, for creating objects, counting and reading /metrics. */
  api: KubeApi;
  /** The controller's own ServiceAccount kubeconfig (kustomize base RBAC, not admin). */
  controllerKubeconfig: string;
  profile: BenchProfile;
  resultsDir: string;
  /** Node flags for every controller process (e.g. --cpu-prof); empty by default. */
  controllerNodeFlags: string[];
  /** Controller flags added in every scenario (--controller-flag); empty by default. */
  controllerFlags?: string[];
  /** Where CPU profiles and heap snapshots go. */
  profilesDir: string;
  /** Take a heap snapshot of the scale controller after its steady state. */
  heapSnapshot: boolean;
  /** Take a CPU profile of kube-apiserver while the scale controller starts. */
  apiserverProfile?: boolean;
  /** The control plane's processes by name, as of now: their CPU is counted from spawn to settled. */
  controlPlanePids?: () => Readonly<Record<string, number>>;
  /** How long the soak edits for (--soak-minutes). */
  soakMinutes: number;
  log(line: string): void;
}

/** Starts the controller for one scenario; its output goes to results/logs/<name>.log. */
export function startController(ctx: BenchContext, name: string, flags: string[], extraNodeFlags: string[] = []): Promise<BenchController> {
  return startBenchController({
    kubeconfig: ctx.controllerKubeconfig,
    flags: [...flags, ...(ctx.controllerFlags ?? [])],
    nodeFlags: [...ctx.controllerNodeFlags, ...extraNodeFlags],
    logFile: join(ctx.resultsDir, 'logs', `${name}.log`),
  });
}

/** Node's own promise timer, as scripts/ and test/ import it. */
export { sleep };

/** `promise`, or a rejection after `ms`; the timer never outlives it (it would keep the bench alive). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Seconds since `since` (a performance.now() value), to the millisecond. */
export function secondsSince(since: number, until = performance.now()): number {
  return Math.round(until - since) / 1000;
}

/**
 * Polls `read` until its value has not changed for `stableForMs`, then returns it: for
 * counters that other components (the deployment controller, the queue) still move.
 */
export async function settled<T>(read: () => Promise<T>, description: string, { stableForMs = 3000, intervalMs = 500, timeoutMs = 300_000 } = {}): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let value = await read();
  let since = performance.now();
  for (;;) {
    if (performance.now() - since >= stableForMs) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${description} to settle (last ${JSON.stringify(value)})`);
    await sleep(intervalMs);
    const next = await read();
    if (JSON.stringify(next) !== JSON.stringify(value)) {
      value = next;
      since = performance.now();
    }
  }
}
