import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentName } from './components.ts';
import { httpCall } from './http.ts';
import type { LaunchedComponent } from './launch.ts';
import { writePidsFile, type PidsFile } from './pids-file.ts';
import { isAlive, isDescendantOf, isOurProcess, processStateOf, signal, waitUntilGone, type RecordedProcess } from './processes.ts';

/** A component by name, or by PID any process that this process started (such as the controller under test). */
export type FaultTarget = ComponentName | number;

export interface ApiserverRestart {
  previousPid: number;
  pid: number;
  /** From the SIGKILL until /readyz answered ok again. */
  downMs: number;
}

/**
 * Faults a test can inject into a running control plane. Each method returns once the
 * fault is in effect: the process is stopped, running again, or the data compacted.
 */
export interface ControlPlaneFaults {
  /** SIGKILLs kube-apiserver and starts it again with the same flags and ports (so the same URL and data); resolves once /readyz answers ok. */
  restartApiserver(): Promise<ApiserverRestart>;
  /** SIGSTOP; resolves with the PID once /proc shows it stopped (state T). */
  freeze(target: FaultTarget): Promise<number>;
  /** SIGCONT; resolves with the PID once /proc no longer shows it stopped. */
  thaw(target: FaultTarget): Promise<number>;
  /**
   * Compacts etcd's history up to its current revision (etcd's JSON gateway,
   * physical compaction). Reads at an older resourceVersion that reach etcd then answer
   * 410 Gone. Resolves with the revision compacted to.
   */
  compactEtcd(): Promise<number>;
  /** The running component's PID (a new one after restartApiserver). Throws when it is not running. */
  pid(component: ComponentName): number;
  /** Sends SIGCONT to everything frozen through this object and not thawed yet. Part of the control plane's stop(). */
  thawAll(): void;
}

export interface FaultsContext {
  dataDir: string;
  /** The control plane's record of its processes, kept up to date in pids.json. */
  record: PidsFile;
  /** http://127.0.0.1:<client port> */
  etcdClientUrl: string;
  /** Starts kube-apiserver with the flags and ports of the first start, records it, and waits for /readyz. */
  startApiserver(): Promise<LaunchedComponent>;
}

const STATE_TIMEOUT_MS = 5000;
const KILL_TIMEOUT_MS = 10_000;

export class FaultError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FaultError';
  }
}

export function controlPlaneFaults(ctx: FaultsContext): ControlPlaneFaults {
  const frozen = new Set<number>();

  const running = (name: ComponentName): RecordedProcess => {
    const component = ctx.record.components.find((c) => c.name === name);
    if (!component) throw new FaultError(`this control plane has no ${name}`);
    if (!isOurProcess(component, ctx.dataDir)) throw new FaultError(`${name} (pid ${component.pid}) is not running`);
    return component;
  };

  const pidOf = (target: FaultTarget): number => {
    if (typeof target === 'string') return running(target).pid;
    const ours = ctx.record.components.some((c) => c.pid === target && isOurProcess(c, ctx.dataDir));
    if (!isAlive(target)) throw new FaultError(`process ${target} is not running`);
    if (!ours && !isDescendantOf(target, process.pid)) {
      throw new FaultError(`process ${target} is neither a component of this control plane nor started by this process`);
    }
    return target;
  };

  const etcdCall = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await httpCall(`${ctx.etcdClientUrl}${path}`, { method: 'POST', body, timeoutMs: 30_000 });
    if (res.status !== 200) throw new FaultError(`etcd ${path} answered ${res.status}: ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body) as Record<string, unknown>;
  };

  return {
    async restartApiserver() {
      const old = running('kube-apiserver');
      const began = performance.now();
      signal(old.pid, 'SIGKILL');
      if ((await waitUntilGone([old.pid], KILL_TIMEOUT_MS)).length > 0) {
        throw new FaultError(`kube-apiserver (pid ${old.pid}) survived SIGKILL for ${KILL_TIMEOUT_MS / 1000}s`);
      }
      frozen.delete(old.pid);
      ctx.record.components = ctx.record.components.filter((c) => c !== old);
      writePidsFile(ctx.record);
      const fresh = await ctx.startApiserver();
      return { previousPid: old.pid, pid: fresh.pid, downMs: Math.round(performance.now() - began) };
    },

    async freeze(target) {
      const pid = pidOf(target);
      frozen.add(pid);
      signal(pid, 'SIGSTOP');
      await waitForState(pid, (state) => state === 'T', 'stopped (T)');
      return pid;
    },

    async thaw(target) {
      const pid = pidOf(target);
      signal(pid, 'SIGCONT');
      await waitForState(pid, (state) => state !== 'T', 'running again');
      frozen.delete(pid);
      return pid;
    },

    async compactEtcd() {
      // Any read answers with the store's current revision in its header; int64s arrive as strings.
      const range = await etcdCall('/v3/kv/range', { key: Buffer.from('confighash/compact-probe').toString('base64') });
      const revision = (range.header as { revision?: string } | undefined)?.revision;
      if (!revision || !/^\d+$/.test(revision)) throw new FaultError(`etcd /v3/kv/range returned no revision: ${JSON.stringify(range)}`);
      await etcdCall('/v3/kv/compaction', { revision, physical: true });
      return Number(revision);
    },

    pid: (component) => running(component).pid,

    thawAll() {
      for (const pid of frozen) signal(pid, 'SIGCONT');
      frozen.clear();
    },
  };
}

async function waitForState(pid: number, wanted: (state: string) => boolean, description: string): Promise<void> {
  const deadline = Date.now() + STATE_TIMEOUT_MS;
  for (;;) {
    const state = processStateOf(pid);
    if (state === undefined || state === 'Z' || state === 'X') throw new FaultError(`process ${pid} exited`);
    if (wanted(state)) return;
    if (Date.now() > deadline) throw new FaultError(`process ${pid} not ${description} after ${STATE_TIMEOUT_MS}ms (state ${state})`);
    await sleep(10);
  }
}
