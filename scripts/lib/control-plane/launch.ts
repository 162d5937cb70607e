import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RecordedProcess } from './processes.ts';

export interface ComponentSpec {
  name: string;
  binary: string;
  args: string[];
  /** Loopback ports it will bind, checked just before it starts for a clear error. */
  listens: { port: number; purpose: string }[];
  /** Its whole environment; default the caller's. */
  env?: NodeJS.ProcessEnv;
}

export interface LaunchedComponent extends RecordedProcess {
  logFile: string;
  /** Set once the process has exited, e.g. `exited with code 1` or `killed by SIGKILL`. */
  exit(): string | undefined;
}

/**
 * Starts a component in its own process group (so a Ctrl-C meant for the caller does not
 * reach it before we stop it in order), with stdout and stderr appended to
 * `<logDir>/<name>.log`. The caller's event loop is not held open by it.
 */
export function launchComponent(spec: ComponentSpec, logDir: string): LaunchedComponent {
  const logFile = join(logDir, `${spec.name}.log`);
  const fd = openSync(logFile, 'a');
  let exitDescription: string | undefined;
  try {
    const child = spawn(spec.binary, spec.args, { detached: true, stdio: ['ignore', fd, fd], env: spec.env ?? process.env });
    child.once('error', (error) => (exitDescription = `could not be started: ${error.message}`));
    child.once('exit', (code, sig) => (exitDescription = sig ? `killed by ${sig}` : `exited with code ${code}`));
    child.unref();
    if (child.pid === undefined) throw new Error(`${spec.name}: spawn of ${spec.binary} returned no pid`);
    return {
      name: spec.name,
      pid: child.pid,
      executable: basename(spec.binary),
      logFile,
      exit: () => exitDescription,
    };
  } finally {
    closeSync(fd);
  }
}

export function tailOf(file: string, lines = 25): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}
