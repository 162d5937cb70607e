import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process we started, and what its command line must look like for us to touch it again. */
export interface RecordedProcess {
  name: string;
  pid: number;
  /** Basename of argv[0], e.g. `kube-apiserver` or `node`. */
  executable: string;
}

/**
 * The state letter of /proc/<pid>/stat: R running, S sleeping, T stopped (SIGSTOP),
 * Z zombie, and so on; undefined when there is no such process.
 */
export function processStateOf(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Alive means it exists and is not a zombie waiting for its parent to reap it. */
export function isAlive(pid: number): boolean {
  const state = processStateOf(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a child, grandchild, ... of `ancestor`. */
export function isDescendantOf(pid: number, ancestor: number): boolean {
  let current: number | undefined = pid;
  for (let depth = 0; current !== undefined && current > 1 && depth < 64; depth++) {
    current = parentOf(current);
    if (current === ancestor) return true;
  }
  return false;
}

/** Clock ticks since boot at which the process started: with the PID, it names a process uniquely. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function commandLineOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((part) => part !== '');
  } catch {
    return undefined;
  }
}

/**
 * A PID from a file may have been reused by an unrelated process since it was written.
 * We only signal a process whose argv[0] is the binary we started and whose arguments
 * mention our data directory, which every component we start receives.
 */
export function isOurProcess(recorded: RecordedProcess, dataDir: string): boolean {
  if (!isAlive(recorded.pid)) return false;
  const argv = commandLineOf(recorded.pid);
  if (argv === undefined || argv.length === 0) return false;
  return basename(argv[0] ?? '') === recorded.executable && argv.some((arg) => mentionsDir(arg, dataDir));
}

/** `/d`, `/d/x` or `--flag=/d/x`, but not `/d2/x`. */
function mentionsDir(arg: string, dir: string): boolean {
  const at = arg.indexOf(dir);
  if (at === -1) return false;
  const before = at === 0 ? '' : arg[at - 1];
  const after = arg[at + dir.length];
  return (before === '' || before === '=') && (after === undefined || after === '/');
}

/** Waits until none of `pids` is alive, or `timeoutMs` passed; returns the ones still alive. */
export async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** Sends `sig`; a process that is already gone is not an error. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * SIGTERM every verified process, give them `graceMs` to exit, then SIGKILL the rest.
 * Returns the names of the processes that were signalled.
 */
export async function terminateProcesses(
  processes: RecordedProcess[],
  dataDir: string,
  { graceMs = 5000 }: { graceMs?: number } = {},
): Promise<string[]> {
  const ours = processes.filter((p) => isOurProcess(p, dataDir));
  for (const p of ours) {
    signal(p.pid, 'SIGTERM');
    // A process frozen by a fault test would otherwise hold SIGTERM pending until SIGKILL.
    signal(p.pid, 'SIGCONT');
  }
  const stubborn = await waitUntilGone(
    ours.map((p) => p.pid),
    graceMs,
  );
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  const survivors = await waitUntilGone(stubborn, 5000);
  if (survivors.length > 0) {
    throw new Error(`processes ${survivors.join(', ')} survived SIGKILL; check them with: ps -o pid,stat,cmd -p ${survivors.join(',')}`);
  }
  return ours.map((p) => p.name);
}

/** Stops each stage completely before the next one; returns the names signalled. */
export async function terminateInStages(
  stages: RecordedProcess[][],
  dataDir: string,
  opts: { graceMs?: number } = {},
): Promise<string[]> {
  const stopped: string[] = [];
  for (const stage of stages) stopped.push(...(await terminateProcesses(stage, dataDir, opts)));
  return stopped;
}
