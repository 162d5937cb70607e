import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { allocatePorts } from '../scripts/lib/control-plane/ports.ts';
import { sumMetric } from '../scripts/lib/controller-process.ts';
import { nodeOptionsInContainer, readImageRuntime } from './image-runtime.ts';
import { logAndSupervise } from './logged-process.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** What the bench runs: the image's entry point and Node options, as the JSON reports them. */
export interface ControllerLaunch {
  /** The compiled entry point, e.g. dist/main.js (the Dockerfile's CMD). */
  entry: string;
  /** How that entry point was built before the run. */
  build: string;
  node_env: string;
  /** NODE_OPTIONS the controller ran with. */
  node_options: string;
  /** NODE_OPTIONS as the Dockerfile sets them, and how any were translated for a process outside a container. */
  image_node_options: string;
  node_options_derived: string[];
  /** Extra node flags on the command line (--node-option, --cpu-prof): an experiment, not the product's defaults. */
  extra_node_flags: string[];
}

export function controllerLaunch(extraNodeFlags: string[]): ControllerLaunch {
  const runtime = readImageRuntime(repoRoot);
  const { options, derived } = nodeOptionsInContainer(runtime);
  return {
    entry: runtime.entry,
    build: 'npm run build',
    node_env: runtime.env.NODE_ENV ?? '',
    node_options: options.join(' '),
    image_node_options: runtime.env.NODE_OPTIONS ?? '',
    node_options_derived: derived,
    extra_node_flags: extraNodeFlags,
  };
}

/** `npm run build`: the bench measures the compiled output the image ships, built from this tree. */
export async function buildController(): Promise<void> {
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli && existsSync(npmCli) ? [process.execPath, [npmCli, 'run', 'build']] : ['npm', ['run', 'build']];
  await promisify(execFile)(command, args, { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
}

export interface BenchController {
  readonly pid: number;
  /** performance.now() just before the process was spawned. */
  readonly spawnedAt: number;
  readonly flags: string[];
  metricValue(name: string, labels?: Record<string, string>): Promise<number>;
  /** Resolves with performance.now() when /readyz first answers 200. */
  ready(timeoutMs?: number): Promise<number>;
  /** SIGTERM and wait (SIGKILL after 30 s), until the log file is flushed; calling it again waits for the same stop. */
  stop(): Promise<number | null>;
  signal(name: NodeJS.Signals): void;
}

export interface StartOptions {
  kubeconfig: string;
  /** Controller flags, e.g. ['--all-namespaces', '--debounce', '0']. */
  flags: string[];
  /** Node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  nodeFlags?: string[];
  /** Where the controller's output goes. */
  logFile: string;
}

/**
 * Spawns `node dist/main.js` (the image's CMD, after buildController) directly, not through
 * npm, so `pid` is the controller itself and /proc/PID/status measures it and nothing else.
 * It gets the image's NODE_ENV and NODE_OPTIONS (see controllerLaunch); `nodeFlags` come
 * after them on the command line and so override them. Unlike scripts/lib/controller-process.ts
 * it returns at once (a cold start is timed from the spawn), logs at the default level
 * (debug logging at 20,000 objects would be what we measure) into a file rather than
 * memory, and takes node flags for profiling.
 */
export async function startBenchController(opts: StartOptions): Promise<BenchController> {
  const { metrics: port } = await allocatePorts(['metrics'] as const);
  mkdirSync(join(opts.logFile, '..'), { recursive: true });
  const log = createWriteStream(opts.logFile);
  const launch = controllerLaunch(opts.nodeFlags ?? []);
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [...launch.extra_node_flags, launch.entry, '--metrics-bind-address', `127.0.0.1:${port}`, ...opts.flags],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KUBECONFIG: opts.kubeconfig,
        NODE_ENV: launch.node_env,
        NODE_OPTIONS: launch.node_options,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stopChild = logAndSupervise(child, log);
  if (child.pid === undefined) throw new Error('could not spawn the controller');
  const base = `http://127.0.0.1:${port}`;

  const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();
  return {
    pid: child.pid,
    spawnedAt,
    flags: opts.flags,
    metricValue: async (name, labels = {}) => sumMetric(await metrics(), name, labels),
    async ready(timeoutMs = 120_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the controller exited with ${child.exitCode}; see ${opts.logFile}`);
        const ok = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
        if (ok) return performance.now();
        if (performance.now() > deadline) throw new Error(`the controller was not ready within ${timeoutMs} ms; see ${opts.logFile}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await stopChild();
      return child.exitCode;
    },
    signal: (name) => void child.kill(name),
  };
}
