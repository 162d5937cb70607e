import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { allocatePorts } from './control-plane/ports.ts';
import { waitFor } from './wait.ts';

// The controller as a child process (src/main.ts, or a build's dist/main.js) with its
// own metrics port: how the tests, the demo and the benchmark run it.
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ControllerProcess {
  readonly metricsPort: number;
  readonly pid: number;
  /** Everything the controller logged so far (pino JSON lines, stdout and stderr). */
  logs(): string;
  /** The log lines parsed; a line that is not JSON is kept as { msg }. */
  logLines(): Record<string, unknown>[];
  /** GET /metrics. */
  metrics(): Promise<string>;
  /** GET /metrics with these headers (e.g. Authorization), status and body as they came. */
  scrape(headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  /** A counter or gauge value summed over the series whose labels include `labels`. */
  metricValue(name: string, labels?: Record<string, string>): Promise<number>;
  /** SIGTERM, and wait for a graceful exit (SIGKILL after a grace period). Returns the exit code. */
  stop(): Promise<number | null>;
}

export interface StartControllerOptions {
  kubeconfig: string;
  /** Flags after `npm start --`, e.g. ['--namespace', ns, '--debounce', '0']. */
  args: string[];
  env?: Record<string, string>;
  /** Which entry point to run; default the TypeScript source (src/main.ts). */
  entry?: string;
  cwd?: string;
  readyTimeoutMs?: number;
  /** Aborting stops the process, also while this function still waits for it to get ready. */
  signal?: AbortSignal;
  /** 'https' with --metrics-secure: its certificate is generated at start-up, so it is not verified here. */
  metricsScheme?: 'http' | 'https';
}

/** Starts the real controller as a child process and waits until /readyz answers 200. */
export async function startController(opts: StartControllerOptions): Promise<ControllerProcess> {
  const { metrics: metricsPort } = await allocatePorts(['metrics'] as const);
  const child = spawn(
    process.execPath,
    [opts.entry ?? 'src/main.ts', '--metrics-bind-address', `127.0.0.1:${metricsPort}`, ...opts.args],
    {
      cwd: opts.cwd ?? repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUBECONFIG: opts.kubeconfig, LOG_LEVEL: 'debug', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  opts.signal?.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });
  const scheme = opts.metricsScheme ?? 'http';
  const base = `${scheme}://127.0.0.1:${metricsPort}`;
  const dispatcher = scheme === 'https' ? new Agent({ connect: { rejectUnauthorized: false } }) : undefined;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers, ...(dispatcher ? { dispatcher } : {}) });

  const handle: ControllerProcess = {
    metricsPort,
    pid: child.pid ?? 0,
    logs: () => output,
    logLines: () => output.split('\n').filter((line) => line.trim() !== '').map(parseLogLine),
    async metrics() {
      const response = await get('/metrics');
      return response.text();
    },
    scrape: async (headers = {}) => {
      const response = await get('/metrics', headers);
      return { status: response.status, body: await response.text() };
    },
    async metricValue(name, labels = {}) {
      return sumMetric(await handle.metrics(), name, labels);
    },
    stop: () => stopChild(child, exited),
  };

  // A controller that exits before it is ready (a bad flag, exit code 2) ends the wait at once.
  const closed = once(child, 'close');
  const exitedEarly = new AbortController();
  void closed.then(() => exitedEarly.abort());
  try {
    await waitFor(
      async () => {
        const response = await get('/readyz');
        return response.status === 200;
      },
      {
        description: 'the controller to report ready on /readyz',
        timeoutMs: opts.readyTimeoutMs ?? 60_000,
        intervalMs: 200,
        signal: opts.signal ? AbortSignal.any([opts.signal, exitedEarly.signal]) : exitedEarly.signal,
      },
    );
  } catch (err) {
    await handle.stop();
    const reason = child.exitCode !== null && !opts.signal?.aborted ? `controller exited with ${child.exitCode}` : (err as Error).message;
    throw new Error(`${reason}\ncontroller output:\n${output.slice(-4000)}`, { cause: err });
  }
  return handle;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown[]>): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  return child.exitCode;
}

/** Sums the samples of `name` whose label set includes every pair in `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string>): number {
  // A name the controller does not declare (a typo, a rename) must fail, not read as 0. A
  // declared counter whose labels were never used has no series yet: that is a real 0.
  if (!text.split('\n').some((line) => line.startsWith(`# TYPE ${name} `))) {
    throw new Error(`the controller exposes no metric named ${name}`);
  }
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) total += Number(match[3]);
  }
  return total;
}

function parseLogLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { msg: line };
  }
}
