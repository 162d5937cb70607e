import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedProcess } from './processes.ts';

/**
 * `<dataDir>/pids.json`: every process a control plane started, so that `down`, the
 * watchdog and the next start in the same directory can stop exactly those.
 */
export interface PidsFile {
  dataDir: string;
  /** PID whose exit makes the watchdog tear everything down; 0 when there is no watchdog. */
  owner: number;
  watchdog?: RecordedProcess;
  components: RecordedProcess[];
}

export function pidsFilePath(dataDir: string): string {
  return join(dataDir, 'pids.json');
}

export function readPidsFile(dataDir: string): PidsFile | undefined {
  let text: string;
  try {
    text = readFileSync(pidsFilePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as PidsFile;
  return { ...parsed, components: parsed.components ?? [] };
}

/** Written atomically: the watchdog may read it at any moment. */
export function writePidsFile(pids: PidsFile): void {
  const file = pidsFilePath(pids.dataDir);
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(pids, null, 2)}\n`);
  renameSync(partial, file);
}

/** Stopped last, in this order: what the other components need while they shut down. */
const FOUNDATIONS = ['kube-apiserver', 'etcd'];

/**
 * The order to stop in: the apiserver's clients together, then the apiserver, then etcd,
 * then the watchdog. Stopping etcd alongside the apiserver makes the apiserver hang in
 * its shutdown retrying etcd until it is killed (seconds instead of ~1s).
 */
export function stopStages(pids: PidsFile): RecordedProcess[][] {
  const clients = pids.components.filter((c) => !FOUNDATIONS.includes(c.name));
  const foundations = FOUNDATIONS.map((name) => pids.components.filter((c) => c.name === name));
  return [clients, ...foundations, pids.watchdog ? [pids.watchdog] : []].filter((stage) => stage.length > 0);
}
