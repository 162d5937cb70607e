import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';

/**
 * Sends a spawned process's stdout and stderr into `log` and returns its stop: SIGTERM,
 * SIGKILL after 30 s, then waits until its last output went through the pipes ('close'
 * comes after 'exit') and the log is flushed, so the caller can read the whole log.
 * Idempotent: every call returns the same promise.
 */
export function logAndSupervise(child: ChildProcess, log: WriteStream): () => Promise<void> {
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = once(child, 'exit');
  const closed = once(child, 'close');
  closed.catch(() => undefined);
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      await closed;
      await new Promise<void>((resolve) => log.end(resolve));
    })();
    return stopped;
  };
}
