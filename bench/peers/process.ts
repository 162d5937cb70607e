import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { logAndSupervise } from '../logged-process.ts';
import { dirname } from 'node:path';

/** A peer controller running as a child process: its pid is the controller itself. */
export interface PeerProcess {
  readonly pid: number;
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number;
  exited(): boolean;
  /** SIGTERM, SIGKILL after 30 s; resolves with the exit code (or signal) once its log is flushed. */
  stop(): Promise<string>;
  /** The last lines of its log, for an error message. */
  logTail(lines?: number): Promise<string>;
}

/** Resolves when `port` can be bound on all interfaces, as the peer will bind it; rejects with who needs it otherwise. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '0.0.0.0', exclusive: true }, resolve);
    });
  } catch (error) {
    throw new Error(`port ${port} is in use (${(error as NodeJS.ErrnoException).code ?? String(error)}); the peer binds it for ${what} with no flag to move it`, { cause: error });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Spawns `binary flags…` out of cluster with KUBECONFIG set and nothing else of the bench's environment. */
export function startPeerProcess(binary: string, flags: string[], kubeconfig: string, logFile: string): PeerProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const spawnedAt = performance.now();
  const child = spawn(binary, flags, {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stopChild = logAndSupervise(child, log);
  if (child.pid === undefined) throw new Error(`could not spawn ${binary}`);
  return {
    pid: child.pid,
    spawnedAt,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      await stopChild();
      return child.signalCode ?? String(child.exitCode);
    },
    async logTail(lines = 15) {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.trim().split('\n').slice(-lines).join('\n');
    },
  };
}
