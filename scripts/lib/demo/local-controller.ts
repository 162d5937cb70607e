// The controller as a local child process, the way the demo runs it instead of the
// image: same entry point (src/main.ts), same flags, the ServiceAccount's kubeconfig.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { allocatePorts } from '../control-plane/ports.ts';
import { REPO_ROOT } from '../kustomize.ts';
import { poll } from '../poll.ts';

export interface LocalController {
  /** pino JSON lines logged so far, parsed; lines that are not JSON are kept as { msg }. */
  logLines(): Record<string, unknown>[];
  /** The raw output, for a failure report. */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface LocalControllerOptions {
  kubeconfig: string;
  args: string[];
  /** The namespace the controller pretends to run in (Lease, HMAC-key Secret). */
  podNamespace: string;
  readyTimeoutMs?: number;
  /** Aborting stops the process, also while this function still waits for it to get ready. */
  signal?: AbortSignal;
}

export async function startLocalController(opts: LocalControllerOptions): Promise<LocalController> {
  const { metrics: port } = await allocatePorts(['metrics'] as const);
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'src/main.ts'), ...opts.args, '--metrics-bind-address', `127.0.0.1:${port}`],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECONFIG: opts.kubeconfig, POD_NAMESPACE: opts.podNamespace, POD_NAME: 'confighash-demo' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = once(child, 'exit');
  opts.signal?.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });

  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    return child.exitCode;
  };

  try {
    await poll(
      async () => {
        if (child.exitCode !== null) throw new Error(`the controller exited with code ${child.exitCode}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
      },
      { what: 'the controller to report ready on /readyz', timeoutMs: opts.readyTimeoutMs ?? 60_000 },
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\ncontroller output:\n${text.slice(-3000)}`, { cause: error });
  }

  return {
    logLines: () =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return { msg: line };
          }
        }),
    output: () => text,
    stop,
  };
}
