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

/** Components in reverse start order, then the watchdog: dependants stop before what they depend on. */
export function processesToStop(pids: PidsFile): RecordedProcess[] {
  return [...pids.components].reverse().concat(pids.watchdog ? [pids.watchdog] : []);
}
