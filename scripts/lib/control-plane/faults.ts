import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentName } from './components.ts';
import { httpCall } from './http.ts';
import type { LaunchedComponent } from './launch.ts';
import { writePidsFile, type PidsFile } from './pids-file.ts';
import { assertPortFree, PortInUseError } from './ports.ts';
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
   * Compacts etcd's history up to its current revision through etcd's JSON gateway,
   * recorded in `compact_rev_key` as kube-apiserver's own compactor does, and resolves
   * with that revision once the compaction is physical. Every change before it is gone:
   * requests that reach etcd for an older resourceVersion answer 410 Gone, namely
   * watches of resources without a watch cache (Events) and, once the apiserver has
   * noticed (it polls every 15s), exact-resourceVersion lists. Watches served by the
   * apiserver's watch cache (ConfigMaps, Deployments, ...) do not notice; they answer
   * 410 for resourceVersions from before the cache started, i.e. after restartApiserver().
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
  /** kube-apiserver's secure port, free again before the restart. */
  apiserverPort: number;
  /** Starts kube-apiserver with the flags and ports of the first start, records it, and waits for /readyz. */
  startApiserver(): Promise<LaunchedComponent>;
}

const STATE_TIMEOUT_MS = 5000;
const COMPACT_REV_KEY = 'compact_rev_key';
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
      // The PID turns zombie before all of a Go process's threads have exited and closed its sockets.
      await waitUntilPortFree(ctx.apiserverPort, 'kube-apiserver secure port');
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
      // kube-apiserver learns of compactions from this key (its etcd3/compact.go), as of another
      // apiserver's. It holds the compacted revision, which the write itself creates: the
      // write is retried in the rare case another write got that revision first.
      let revision = headerRevision(await etcdCall('/v3/kv/range', { key: base64(COMPACT_REV_KEY) }));
      for (let attempt = 0; attempt < 5; attempt++) {
        const target = revision + 1;
        revision = headerRevision(await etcdCall('/v3/kv/put', { key: base64(COMPACT_REV_KEY), value: base64(String(target)) }));
        if (revision === target) break;
      }
      // Compacting at R keeps R: everything before the key's write is gone.
      await etcdCall('/v3/kv/compaction', { revision: String(revision), physical: true });
      return revision;
    },

    pid: (component) => running(component).pid,

    thawAll() {
      for (const pid of frozen) signal(pid, 'SIGCONT');
      frozen.clear();
    },
  };
}

/** The store's revision in the header of an etcd answer (int64s arrive as strings). */
function headerRevision(answer: Record<string, unknown>): number {
  const revision = (answer.header as { revision?: string } | undefined)?.revision;
  if (!revision || !/^\d+$/.test(revision)) throw new FaultError(`etcd answered without a revision: ${JSON.stringify(answer).slice(0, 300)}`);
  return Number(revision);
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

async function waitUntilPortFree(port: number, purpose: string): Promise<void> {
  const deadline = Date.now() + KILL_TIMEOUT_MS;
  for (;;) {
    try {
      await assertPortFree(port, purpose);
      return;
    } catch (error) {
      if (!(error instanceof PortInUseError) || Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
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
