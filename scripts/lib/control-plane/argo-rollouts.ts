// The real Argo Rollouts controller as an optional component of a running control plane:
// its CRDs installed, `rollouts-controller` started against the admin kubeconfig and
// supervised like the other components (own data directory, pids.json, watchdog).
import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { prepareDataDir, removeDataDir } from './data-dir.ts';
import { httpCall } from './http.ts';
import { readClusterOf } from './kubeconfig.ts';
import { launchComponent, type ComponentSpec } from './launch.ts';
import { stopStages, writePidsFile, type PidsFile } from './pids-file.ts';
import { allocatePorts, assertPortFree } from './ports.ts';
import { terminateInStages } from './processes.ts';
import { waitUntilReady } from './readiness.ts';
import { launchWatchdog } from './watchdog-launch.ts';

const run = promisify(execFile);

const BUILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../controlplane/build-argo-rollouts.sh');

/**
 * A controller started with --instance-id only acts on Rollouts carrying this label with
 * that value, and one without it only on Rollouts without it (v1alpha1.LabelKeyControllerInstanceID).
 */
export const ARGO_ROLLOUTS_INSTANCE_ID_LABEL = 'argo-rollouts.argoproj.io/controller-instance-id';

/** Where the upstream controller lives its life when it runs in a cluster; it reads its optional ConfigMaps there. */
const DEFAULT_CONTROLLER_NAMESPACE = 'argo-rollouts';
const FIELD_MANAGER = 'confighash-argo-rollouts';

export class ArgoRolloutsMissingError extends Error {
  readonly retryable = false;
  constructor(missing: string, options?: ErrorOptions) {
    super(
      `the Argo Rollouts controller is not built (${missing}). Build it with ${BUILD_SCRIPT} ` +
        '(Go on PATH; a cold build takes minutes), as .ci/run does.',
      options,
    );
    this.name = 'ArgoRolloutsMissingError';
  }
}

export interface ArgoRolloutsBuild {
  /** The rollouts-controller executable. */
  binary: string;
  /** The upstream CRD manifests (rollouts, experiments, analysis runs and templates). */
  crdDir: string;
}

/** The build from build-argo-rollouts.sh's cache; never builds (CI does), throws ArgoRolloutsMissingError. */
export async function findArgoRollouts(): Promise<ArgoRolloutsBuild> {
  const { stdout } = await run('bash', [BUILD_SCRIPT, '--print-dir']);
  const binDir = stdout.trim();
  const build = { binary: join(binDir, 'rollouts-controller'), crdDir: join(binDir, 'crds') };
  for (const [path, mode] of [
    [join(binDir, '.complete'), constants.F_OK],
    [build.binary, constants.X_OK],
    [join(build.crdDir, 'rollout-crd.yaml'), constants.R_OK],
  ] as const) {
    try {
      await access(path, mode);
    } catch (error) {
      throw new ArgoRolloutsMissingError(`no ${path}`, { cause: error });
    }
  }
  return build;
}

/**
 * Server-side apply (the CRDs exceed the size limit of client-side apply's annotation),
 * then wait until the apiserver serves them: the controller's informers would otherwise
 * never sync. Idempotent, and left in place on stop, since other users may share them.
 */
async function installCrds(kubectlPath: string, kubeconfig: string, crdDir: string): Promise<void> {
  const kubectl = (...args: string[]) => run(kubectlPath, ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 16 * 1024 * 1024 });
  await kubectl('apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '-f', crdDir);
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', '-f', crdDir);
}

export interface StartArgoRolloutsOptions {
  /** Admin kubeconfig of a running control plane; its server must be on 127.0.0.1. */
  kubeconfig: string;
  /** The control plane's bin directory, for kubectl. */
  binDir: string;
  /** Only this namespace (`--namespaced`); default every namespace. */
  namespace?: string;
  /** `--instance-id`: act only on Rollouts labelled ARGO_ROLLOUTS_INSTANCE_ID_LABEL=<id>; default unlabelled ones. */
  instanceId?: string;
  /** Holds its kubeconfig, pids.json and rollouts-controller.log; removed by stop(). Default a fresh temporary one. */
  dataDir?: string;
  /** When this PID is gone, a watchdog stops the controller. Default process.pid. */
  owner?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ArgoRollouts {
  readonly pid: number;
  readonly logFile: string;
  readonly healthzPort: number;
  readonly metricsPort: number;
  readonly instanceId: string | undefined;
  /** SIGTERM (SIGKILL after a grace period), then removes dataDir. Safe to call twice. */
  stop(): Promise<void>;
}

interface ControllerContext {
  binary: string;
  dataDir: string;
  kubeconfig: string;
  ports: { healthz: number; metrics: number };
  namespace: string | undefined;
  instanceId: string | undefined;
}

/** Its health and metrics servers listen on 0.0.0.0 (hard-coded upstream); the ports are chosen free on loopback. */
function rolloutsController(ctx: ControllerContext): ComponentSpec {
  return {
    name: 'rollouts-controller',
    binary: ctx.binary,
    args: [
      `--kubeconfig=${ctx.kubeconfig}`,
      '--leader-elect=false',
      `--healthzPort=${ctx.ports.healthz}`,
      `--metricsPort=${ctx.ports.metrics}`,
      '--logformat=json',
      ...(ctx.namespace ? ['--namespaced', `--namespace=${ctx.namespace}`] : []),
      ...(ctx.instanceId ? [`--instance-id=${ctx.instanceId}`] : []),
    ],
    listens: [
      { port: ctx.ports.healthz, purpose: 'healthz port' },
      { port: ctx.ports.metrics, purpose: 'metrics port' },
    ],
    // Nothing of ours leaks in: no KUBECONFIG, no proxies, no ~/.kube.
    env: { HOME: ctx.dataDir, POD_NAMESPACE: ctx.namespace ?? DEFAULT_CONTROLLER_NAMESPACE },
  };
}

async function assertLoopbackServer(kubeconfig: string): Promise<void> {
  const { server } = await readClusterOf(kubeconfig);
  if (new URL(server).hostname !== '127.0.0.1') {
    throw new Error(`${kubeconfig} points at ${server}; the Argo Rollouts component only runs against a control plane on 127.0.0.1`);
  }
}

/** /healthz answers as soon as the process runs; the rollout workers start only after every informer synced. */
async function rolloutWorkersStarted(healthzPort: number, logFile: string): Promise<boolean> {
  const health = await httpCall(`http://127.0.0.1:${healthzPort}/healthz`, { timeoutMs: 2000 });
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
  return (await readFile(logFile, 'utf8')).split('\n').some((line) => logMessageOf(line) === 'Started rollout workers');
}

/** The `msg` of a --logformat=json line; undefined for anything else (klog lines, a line still being written). */
function logMessageOf(line: string): unknown {
  try {
    return (JSON.parse(line) as { msg?: unknown } | null)?.msg;
  } catch {
    return undefined;
  }
}

/** Installs the CRDs, starts the controller and resolves once its rollout workers run. */
export async function startArgoRollouts(opts: StartArgoRolloutsOptions): Promise<ArgoRollouts> {
  const log = opts.log ?? (() => {});
  const owner = opts.owner ?? process.pid;
  await assertLoopbackServer(opts.kubeconfig);
  const build = await findArgoRollouts();
  await installCrds(join(opts.binDir, 'kubectl'), opts.kubeconfig, build.crdDir);
  log(`Argo Rollouts CRDs installed from ${build.crdDir}`);

  const dataDir = resolve(opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'confighash-argo-rollouts-'))));
  await prepareDataDir(dataDir);
  // A copy inside dataDir: the watchdog and stop() recognise the process by it on its command line.
  const kubeconfig = join(dataDir, 'kubeconfig');
  await writeFile(kubeconfig, await readFile(opts.kubeconfig), { mode: 0o600 });
  const ports = await allocatePorts(['healthz', 'metrics'] as const);
  const spec = rolloutsController({ binary: build.binary, dataDir, kubeconfig, ports, namespace: opts.namespace, instanceId: opts.instanceId });

  const record: PidsFile = { dataDir, owner, components: [] };
  if (owner !== 0) record.watchdog = launchWatchdog(owner, dataDir);
  writePidsFile(record);
  const stopAll = async () => {
    await terminateInStages(stopStages(record), dataDir);
    removeDataDir(dataDir);
  };
  try {
    for (const { port, purpose } of spec.listens) await assertPortFree(port, `${spec.name} ${purpose}`);
    const controller = launchComponent(spec, dataDir);
    record.components.push({ name: controller.name, pid: controller.pid, executable: controller.executable });
    writePidsFile(record);
    await waitUntilReady(controller, () => rolloutWorkersStarted(ports.healthz, controller.logFile), {
      timeoutMs: opts.readyTimeoutMs ?? 60_000,
      what: 'running its rollout workers',
    });
    log(`rollouts-controller ready (pid ${controller.pid}, log ${controller.logFile})`);
    let stopping: Promise<void> | undefined;
    return {
      pid: controller.pid,
      logFile: controller.logFile,
      healthzPort: ports.healthz,
      metricsPort: ports.metrics,
      instanceId: opts.instanceId,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
