import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedProcess } from './processes.ts';
import { startTimeOf } from './processes.ts';

const WATCHDOG_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'watchdog.ts');

/** Starts watchdog.ts detached, so it outlives `owner` however that process ends. */
export function launchWatchdog(owner: number, dataDir: string): RecordedProcess {
  const ownerStartTime = startTimeOf(owner);
  if (ownerStartTime === undefined) throw new Error(`watchdog owner ${owner} is not a running process`);
  const fd = openSync(join(dataDir, 'watchdog.log'), 'a');
  try {
    const child = spawn(process.execPath, [WATCHDOG_SCRIPT, String(owner), ownerStartTime, dataDir], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.unref();
    if (child.pid === undefined) throw new Error('the control-plane watchdog could not be started');
    return { name: 'watchdog', pid: child.pid, executable: basename(process.execPath) };
  } finally {
    closeSync(fd);
  }
}
