import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ApiAccess } from './api-access.ts';
import { ensureBinaries } from './binaries.ts';
import { createSimulatedNode, defaultServiceAccountExists, simulatedNodeIsReady } from './bootstrap.ts';
import { writeClusterState } from './cluster-state.ts';
import {
  etcd,
  KUBERNETES_SERVICE_IP,
  kubeApiserver,
  kubeControllerManager,
  kubeScheduler,
  kwok,
  PORT_NAMES,
  type ComponentContext,
} from './components.ts';
import { prepareDataDir, removeDataDir } from './data-dir.ts';
import { controlPlaneFaults, type ControlPlaneFaults } from './faults.ts';
import { httpCall } from './http.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { writeKwokStages } from './kwok-stages.ts';
import { launchComponent, type ComponentSpec, type LaunchedComponent } from './launch.ts';
import { readPidsFile, stopStages, writePidsFile, type PidsFile } from './pids-file.ts';
import { createPki } from './pki.ts';
import { allocatePorts, assertPortFree } from './ports.ts';
import { terminateInStages } from './processes.ts';
import { waitUntilReady, type Probe } from './readiness.ts';
import {
  assertNodePrerequisites,
  cleanUpRealNode,
  containerd,
  createCgroupRoot,
  createNodeBridge,
  ensureNodeBinaries,
  ensurePauseImage,
  kubelet,
  kubeProxy,
  loadImage,
  NODE_IP,
  NODE_PORT_NAMES,
  REAL_NODE_NAME,
  writeNodeConfig,
  type NodeImage,
} from './real-node.ts';
import { launchWatchdog } from './watchdog-launch.ts';

export interface ControlPlane {
  dataDir: string;
  binDir: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** Admin kubeconfig path, with the CA embedded. */
  kubeconfig: string;
  caFile: string;
  /** Each running component's PID by name, as of now (a restarted apiserver has a new one). */
  readonly pids: Record<string, number>;
  withNodes: boolean;
  /** 'kwok' (simulated, the default) or 'real' (containerd, kubelet, kube-proxy: pods run containers). */
  node: NodeKind;
  /** Kill, freeze and compact parts of this control plane, for fault tests. */
  faults: ControlPlaneFaults;
  /** Kills the components (and the watchdog) by PID and removes dataDir. Safe to call twice. */
  stop(): Promise<void>;
}

export type NodeKind = 'kwok' | 'real';

export interface StartControlPlaneOptions {
  dataDir: string;
  /** kube-scheduler, kwok and one kwok Node, so pods get scheduled and become Running. Default true. */
  simulatedNodes?: boolean;
  /**
   * 'real' instead of kwok: kube-scheduler and a node that runs containers (real-node.ts),
   * built by build-node.sh when not cached. Default 'kwok'. Ignored without simulatedNodes.
   */
  node?: NodeKind;
  /** With a real node: images from podman's storage to load into its containerd, each under the name pods use. */
  nodeImages?: NodeImage[];
  log?: (line: string) => void;
  /** etcd syncs to disk. Default false (`--unsafe-no-fsync`), which is right for tests. */
  fsync?: boolean;
  /** kube-apiserver serves /debug/pprof (to the admin user). Default false. */
  apiserverProfiling?: boolean;
  /**
   * When this PID is gone, a watchdog stops everything and removes dataDir. Default
   * process.pid; 0 means no watchdog: the control plane lives until stopped (`cluster down`).
   */
  owner?: number;
  /** Use these binaries instead of asking build.sh for them. */
  binDir?: string;
  /** Leave dataDir (with the component logs) behind when starting fails. Default false. */
  keepOnFailure?: boolean;
}

const TIMEOUTS = { etcd: 30_000, apiserver: 120_000, component: 60_000, bootstrap: 60_000, realNode: 180_000 };

/**
 * Stops the processes a previous control plane recorded in dataDir (only those whose
 * command line proves they are ours) and removes dataDir. Returns what was stopped.
 */
export async function stopControlPlaneIn(dataDir: string): Promise<string[]> {
  const dir = resolve(dataDir);
  const pids = readPidsFile(dir);
  const stopped = pids ? await terminateInStages(stopStages(pids), dir) : [];
  await cleanUpRealNode(dir);
  removeDataDir(dir);
  return stopped;
}

function healthy(url: string, opts: { ca?: string; token?: string; insecure?: boolean }): Probe {
  return async () => {
    const res = await httpCall(url, { ...opts, timeoutMs: 3000 });
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${res.body.slice(0, 300)}`);
    return true;
  };
}

export async function startControlPlane(opts: StartControlPlaneOptions): Promise<ControlPlane> {
  const dataDir = resolve(opts.dataDir);
  const log = opts.log ?? (() => {});
  const owner = opts.owner ?? process.pid;
  const withNodes = opts.simulatedNodes ?? true;
  const node: NodeKind = opts.node ?? 'kwok';
  const realNode = withNodes && node === 'real';
  const began = Date.now();
  const since = () => `${((Date.now() - began) / 1000).toFixed(1)}s`;

  const leftovers = readPidsFile(dataDir);
  if (leftovers) {
    const stopped = await terminateInStages(stopStages(leftovers), dataDir);
    if (stopped.length > 0) log(`stopped leftover processes from a previous run in ${dataDir}: ${stopped.join(', ')}`);
  }
  const binDir = opts.binDir ?? (await ensureBinaries({ log }));
  await cleanUpRealNode(dataDir);
  await prepareDataDir(dataDir);
  let nodeBinDir = '';
  if (realNode) {
    assertNodePrerequisites();
    nodeBinDir = await ensureNodeBinaries();
    await createNodeBridge();
  }

  const ports = await allocatePorts(PORT_NAMES);
  const pki = await createPki(join(dataDir, 'pki'), { serviceIp: KUBERNETES_SERVICE_IP });
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const caPem = await readFile(pki.caCert, 'utf8');
  const kubeconfig = await writeKubeconfig(join(dataDir, 'admin.kubeconfig'), {
    server,
    caPem,
    userName: pki.adminUser,
    token: pki.adminToken,
  });
  const api: ApiAccess = { server, caPem, token: pki.adminToken };
  const ctx: ComponentContext = {
    binDir,
    dataDir,
    ports,
    pki,
    adminKubeconfig: kubeconfig,
    fsync: opts.fsync ?? false,
    apiserverProfiling: opts.apiserverProfiling ?? false,
    ...(realNode ? { advertiseAddress: NODE_IP } : {}),
  };

  const record: PidsFile = { dataDir, owner, components: [] };
  if (owner !== 0) record.watchdog = launchWatchdog(owner, dataDir);
  writePidsFile(record);
  const launch = async (spec: ComponentSpec): Promise<LaunchedComponent> => {
    for (const { port, purpose } of spec.listens) await assertPortFree(port, `${spec.name} ${purpose}`);
    const component = launchComponent(spec, dataDir);
    record.components.push({ name: component.name, pid: component.pid, executable: component.executable });
    writePidsFile(record);
    return component;
  };
  const startApiserver = async (): Promise<LaunchedComponent> => {
    const apiserver = await launch(kubeApiserver(ctx));
    await waitUntilReady(apiserver, healthy(`${server}/readyz`, { ca: caPem, token: pki.adminToken }), {
      timeoutMs: TIMEOUTS.apiserver,
    });
    return apiserver;
  };
  const faults = controlPlaneFaults({
    dataDir,
    record,
    etcdClientUrl: `http://127.0.0.1:${ports.etcdClient}`,
    apiserverPort: ports.apiserver,
    startApiserver,
  });
  const stop = async () => {
    faults.thawAll();
    await terminateInStages(stopStages(record), dataDir);
    await cleanUpRealNode(dataDir);
    removeDataDir(dataDir);
  };

  // containerd, the images, kubelet and kube-proxy; done when the Node is Ready.
  const startRealNode = async (): Promise<void> => {
    const nodePorts = await allocatePorts(NODE_PORT_NAMES);
    const paths = await writeNodeConfig(ctx, nodeBinDir, nodePorts);
    const runtime = await launch(containerd(ctx, nodeBinDir));
    await waitUntilReady(runtime, async () => existsSync(paths.socket), { timeoutMs: TIMEOUTS.component, what: `serving on ${paths.socket}` });
    for (const image of [await ensurePauseImage(nodeBinDir), ...(opts.nodeImages ?? [])]) await loadImage(dataDir, nodeBinDir, image);
    log(`containerd ready, ${(opts.nodeImages ?? []).length + 1} images loaded (${since()})`);
    await createCgroupRoot();
    const kubeletProcess = await launch(kubelet(ctx, nodeBinDir));
    const proxy = await launch(kubeProxy(ctx, nodeBinDir, nodePorts));
    await Promise.all([
      waitUntilReady(proxy, healthy(`http://127.0.0.1:${nodePorts.proxyHealthz}/healthz`, {}), { timeoutMs: TIMEOUTS.component }),
      waitUntilReady(kubeletProcess, () => simulatedNodeIsReady(api, REAL_NODE_NAME), {
        timeoutMs: TIMEOUTS.realNode,
        what: `done making Node ${REAL_NODE_NAME} Ready`,
      }),
    ]);
  };

  try {
    const etcdProcess = await launch(etcd(ctx));
    await waitUntilReady(etcdProcess, healthy(`http://127.0.0.1:${ports.etcdClient}/health`, {}), { timeoutMs: TIMEOUTS.etcd });
    log(`etcd ready (${since()})`);

    await startApiserver();
    log(`kube-apiserver ready at ${server} (${since()})`);

    const controllerManager = await launch(kubeControllerManager(ctx));
    const others: Promise<void>[] = [
      waitUntilReady(controllerManager, healthy(`https://127.0.0.1:${ports.controllerManager}/healthz`, { insecure: true }), {
        timeoutMs: TIMEOUTS.component,
      }),
    ];
    let kwokProcess: LaunchedComponent | undefined;
    if (realNode) {
      const scheduler = await launch(kubeScheduler(ctx));
      others.push(
        waitUntilReady(scheduler, healthy(`https://127.0.0.1:${ports.scheduler}/healthz`, { insecure: true }), {
          timeoutMs: TIMEOUTS.component,
        }),
        startRealNode(),
      );
    } else if (withNodes) {
      const scheduler = await launch(kubeScheduler(ctx));
      kwokProcess = await launch(kwok(ctx, await writeKwokStages(binDir, dataDir)));
      others.push(
        waitUntilReady(scheduler, healthy(`https://127.0.0.1:${ports.scheduler}/healthz`, { insecure: true }), {
          timeoutMs: TIMEOUTS.component,
        }),
        waitUntilReady(kwokProcess, healthy(`http://127.0.0.1:${ports.kwok}/healthz`, {}), { timeoutMs: TIMEOUTS.component }),
        createSimulatedNode(api),
      );
    }
    await Promise.all(others);
    const started = realNode ? 'kube-controller-manager, kube-scheduler and the real node' : withNodes ? 'kube-controller-manager, kube-scheduler and kwok' : 'kube-controller-manager';
    log(`${started} healthy (${since()})`);

    await waitUntilReady(controllerManager, () => defaultServiceAccountExists(api), {
      timeoutMs: TIMEOUTS.bootstrap,
      what: 'done creating the default ServiceAccount',
    });
    log(`default ServiceAccount created (${since()})`);
    if (kwokProcess) {
      await waitUntilReady(kwokProcess, () => simulatedNodeIsReady(api), {
        timeoutMs: TIMEOUTS.bootstrap,
        what: 'done making the simulated Node Ready',
      });
    }
    log(`control plane ready (${since()})`);
  } catch (error) {
    await terminateInStages(stopStages(record), dataDir).catch(() => undefined);
    if (!opts.keepOnFailure) removeDataDir(dataDir);
    throw error;
  }

  writeClusterState(dataDir, { server, kubeconfig, caFile: pki.caCert, binDir, withNodes, startedAt: new Date().toISOString() });
  let stopping: Promise<void> | undefined;
  return {
    dataDir,
    binDir,
    server,
    kubeconfig,
    caFile: pki.caCert,
    get pids() {
      return Object.fromEntries(record.components.map((c) => [c.name, c.pid]));
    },
    withNodes,
    node: realNode ? 'real' : 'kwok',
    faults,
    stop: () => (stopping ??= stop()),
  };
}
