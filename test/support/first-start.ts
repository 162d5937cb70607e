import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { allocatePorts } from '../../scripts/lib/control-plane/ports.ts';
import { kubectl, type TestCluster } from './cluster.ts';
import { appsWithConfig, configOf } from './fault-scene.ts';
import { workloadRecord } from './records.ts';
import { settledReplicaSetCount, waitForDeploymentObserved } from './rollouts.ts';
import { waitFor } from './wait.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The controller as a user starts it: its exit code and /readyz are the outcome, not a ready wait. */
export interface StartingController {
  readonly metricsPort: number;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  logs(): string;
  /** The pino lines (JSON); other output lines are left out. */
  logLines(): Record<string, unknown>[];
  /** GET /readyz: status and body; undefined while nothing listens. */
  readyz(): Promise<{ status: number; body: string } | undefined>;
  stop(): Promise<number | null>;
}

export interface SpawnOptions {
  /** Undefined: no KUBECONFIG at all. */
  kubeconfig?: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * Starts src/main.ts with only PATH, HOME (an empty directory, so no ~/.kube/config) and
 * KUBECONFIG, at the default log level: what a user sees on a first start.
 */
export async function spawnController(opts: SpawnOptions): Promise<StartingController> {
  const { metrics: metricsPort } = await allocatePorts(['metrics'] as const);
  const home = await mkdtemp(join(tmpdir(), 'confighash-home-'));
  const child = spawn(process.execPath, ['src/main.ts', '--metrics-bind-address', `127.0.0.1:${metricsPort}`, ...opts.args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: home, ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(() => child.exitCode);
  return {
    metricsPort,
    exited,
    logs: () => output,
    logLines: () =>
      output.split('\n').flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    async readyz() {
      try {
        const response = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
        return { status: response.status, body: await response.text() };
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      return child.exitCode;
    },
  };
}

/** Waits for the process to exit on its own; returns the exit code. */
export async function exitCodeOf(controller: StartingController, timeoutMs = 30_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the controller did not exit within ${timeoutMs} ms:\n${controller.logs().slice(-3000)}`)), timeoutMs);
  });
  try {
    return await Promise.race([controller.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until /readyz answers 503 with `reason` in its body; returns the body. */
export function notReadyBecause(controller: StartingController, reason: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    async () => {
      const answer = await controller.readyz();
      return answer?.status === 503 && answer.body.includes(reason) && answer.body;
    },
    { description: `/readyz to answer 503 with "${reason}"`, timeoutMs, intervalMs: 200 },
  );
}

export function readyWithin(controller: StartingController, timeoutMs: number): Promise<true> {
  return waitFor(async () => (await controller.readyz())?.status === 200, { description: '/readyz to answer 200', timeoutMs, intervalMs: 200 });
}

/** The messages of the level-50 lines. */
export function errorMessages(controller: StartingController): string[] {
  return controller.logLines().filter((line) => line.level === 50).map((line) => String(line.msg));
}

/** True when the output holds a stack trace: a pino `stack` field or a V8 frame line. */
export function hasStackTrace(output: string): boolean {
  return /"stack":|\n\s+at .+:\d+:\d+|\\n\s+at /.test(output);
}

/** A copy of `file` whose current cluster is edited by `edit` (server, CA data). */
export async function editedKubeconfig(file: string, edit: (cluster: Record<string, unknown>) => void): Promise<string> {
  type Doc = { 'current-context'?: string; contexts?: { name: string; context: { cluster: string } }[]; clusters?: { name: string; cluster: Record<string, unknown> }[] };
  const doc = parse(await readFile(file, 'utf8')) as Doc;
  const context = doc.contexts?.find((c) => c.name === doc['current-context']);
  const cluster = doc.clusters?.find((c) => c.name === context?.context.cluster);
  if (!cluster) throw new Error(`${file} has no current cluster`);
  edit(cluster.cluster);
  const out = join(await mkdtemp(join(tmpdir(), 'confighash-kubeconfig-')), 'kubeconfig');
  await writeFile(out, stringify(doc), { mode: 0o600 });
  return out;
}

/**
 * A loopback TCP relay to the apiserver that can be switched on later: while closed,
 * nothing listens on its port (connections are refused, as when the apiserver is down).
 * Bytes pass through untouched (TLS included); it is no API server.
 */
export interface TcpRelay {
  readonly port: number;
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpRelay(target: string): Promise<TcpRelay> {
  const url = new URL(target);
  const { relay: port } = await allocatePorts(['relay'] as const);
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    port,
    async open() {
      server = createServer((client) => {
        const upstream = connect(Number(url.port), url.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server) await new Promise((resolve) => server?.close(resolve));
    },
  };
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * A ConfigMap, a Deployment using it and an AppConfig listing it (fault-scene.ts), in
 * `namespace`; `only: 'workload'` leaves the AppConfig out (its CRD may be missing), and
 * `only: 'appconfig'` applies it alone.
 */
export async function applyApp(cluster: TestCluster, namespace: string, name: string, only?: 'workload' | 'appconfig'): Promise<void> {
  const items = appsWithConfig([name], name).filter((item) => {
    const isAppConfig = (item as { kind?: string }).kind === 'AppConfig';
    return only === undefined || (only === 'appconfig') === isAppConfig;
  });
  await kubectl(['apply', '-n', namespace, '-f', '-'], { cluster, input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
}

/**
 * After a recovered start: the Deployment is adopted without a rollout, and one content edit
 * of its ConfigMap rolls it exactly once (counted in ReplicaSets). Returns the counts.
 */
export async function oneRolloutOnEdit(kubeConfig: KubeConfig, namespace: string, name: string): Promise<{ before: number; after: number }> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await waitForDeploymentObserved(namespace, name, { kubeConfig, timeoutMs: 60_000 });
  await waitFor(() => workloadRecord(namespace, 'Deployment', name, kubeConfig), { description: `a WorkloadRecord for Deployment ${namespace}/${name}`, timeoutMs: 30_000 });
  const before = await settledReplicaSetCount(namespace, name, { kubeConfig, stableForMs: 2000 });
  await core.patchNamespacedConfigMap({ namespace, name: configOf(name), body: { data: { LEVEL: '1' } } }, MERGE_PATCH);
  await waitFor(
    async () => (await apps.readNamespacedDeployment({ namespace, name })).spec?.template.metadata?.annotations?.[CHECKSUM_ANNOTATION],
    { description: `a checksum on Deployment ${namespace}/${name}`, timeoutMs: 30_000 },
  );
  await waitForDeploymentObserved(namespace, name, { kubeConfig, timeoutMs: 60_000 });
  const after = await settledReplicaSetCount(namespace, name, { kubeConfig, stableForMs: 2000 });
  return { before, after };
}
