import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureBinaries,
  startControlPlane,
  type ControlPlane,
  type ControlPlaneFaults,
} from '../../scripts/lib/control-plane/index.ts';
import type { TestCluster } from './cluster.ts';

/**
 * A control plane of one test file's own, for faults that would break the shared
 * one (a killed apiserver, a frozen etcd). It is a TestCluster, so kubectl,
 * adminKubeConfig, installControllerAccess and applyManifests take it, and
 * startController takes its kubeconfig.
 */
export interface PrivateControlPlane extends TestCluster {
  faults: ControlPlaneFaults;
  /** The PIDs of the running components by name (a restarted apiserver has a new one). */
  readonly pids: Record<string, number>;
  dataDir: string;
  /** Stops every component and removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PrivateControlPlaneOptions {
  /** kube-scheduler, kwok and a Node, so pods run. Default false: faster, and most fault tests need no pods. */
  simulatedNodes?: boolean;
}

/**
 * Starts a control plane with its own ports and data directory. Stop it in an
 * `after` hook (or use withPrivateControlPlane); if this process dies first, the
 * control plane's watchdog stops it. Takes the binaries of the `npm test` run
 * (CONFIGHASH_TEST_BIN) when set.
 */
export async function startPrivateControlPlane(opts: PrivateControlPlaneOptions = {}): Promise<PrivateControlPlane> {
  const binDir = process.env.CONFIGHASH_TEST_BIN ?? (await ensureBinaries());
  const dataDir = await mkdtemp(join(tmpdir(), 'confighash-faults-'));
  let controlPlane: ControlPlane;
  try {
    controlPlane = await startControlPlane({ dataDir, binDir, simulatedNodes: opts.simulatedNodes ?? false });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    kubeconfig: controlPlane.kubeconfig,
    binDir: controlPlane.binDir,
    server: controlPlane.server,
    faults: controlPlane.faults,
    get pids() {
      return controlPlane.pids;
    },
    dataDir: controlPlane.dataDir,
    stop: () => controlPlane.stop(),
  };
}

/** Runs `fn` with a private control plane and stops it afterwards, whatever happens. */
export async function withPrivateControlPlane<T>(
  fn: (cluster: PrivateControlPlane) => Promise<T>,
  opts: PrivateControlPlaneOptions = {},
): Promise<T> {
  const cluster = await startPrivateControlPlane(opts);
  try {
    return await fn(cluster);
  } finally {
    await cluster.stop();
  }
}
