import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `<dataDir>/cluster.json`: how to reach a running control plane, for `cluster env/status`. */
export interface ClusterState {
  server: string;
  kubeconfig: string;
  caFile: string;
  binDir: string;
  withNodes: boolean;
  startedAt: string;
}

export function clusterStatePath(dataDir: string): string {
  return join(dataDir, 'cluster.json');
}

export function writeClusterState(dataDir: string, state: ClusterState): void {
  writeFileSync(clusterStatePath(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

export function readClusterState(dataDir: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(clusterStatePath(dataDir), 'utf8')) as ClusterState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
