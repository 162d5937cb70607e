import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './processes.ts';
import { tailOf, type LaunchedComponent } from './launch.ts';

export class ComponentStartError extends Error {
  readonly retryable: boolean;
  readonly component: string;
  readonly reason: string;
  readonly logFile: string;
  constructor(component: string, reason: string, logFile: string) {
    const tail = tailOf(logFile);
    const portTaken = /address already in use/i.test(tail);
    const hint = portTaken ? '\nA port it was given was taken by another process in the meantime; starting again picks new ports.' : '';
    super(`${component} failed to start: ${reason}.${hint}\nLast lines of ${logFile}:\n${tail}`);
    this.name = 'ComponentStartError';
    this.retryable = portTaken;
    this.component = component;
    this.reason = reason;
    this.logFile = logFile;
  }
}

/** A readiness probe: resolves true when ready; false or a throw means "not yet". */
export type Probe = () => Promise<boolean>;

/**
 * Polls `probe` until it passes. Fails fast, with the component's log tail, when the
 * process exits, and after `timeoutMs` with the last reason it was not ready.
 */
export async function waitUntilReady(
  component: LaunchedComponent,
  probe: Probe,
  { timeoutMs, what = 'ready' }: { timeoutMs: number; what?: string },
): Promise<void> {
  const started = Date.now();
  let lastProblem: string;
  for (;;) {
    const exit = component.exit() ?? (isAlive(component.pid) ? undefined : 'exited');
    if (exit) throw new ComponentStartError(component.name, exit, component.logFile);
    try {
      if (await probe()) return;
      lastProblem = 'probe answered not ready';
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() - started > timeoutMs) {
      throw new ComponentStartError(
        component.name,
        `not ${what} after ${Math.round(timeoutMs / 1000)}s (last: ${lastProblem})`,
        component.logFile,
      );
    }
    await sleep(200);
  }
}
