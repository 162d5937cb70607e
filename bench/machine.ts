import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Machine {
  nproc: number;
  memory_gib: number;
  cpu_model: string;
  kernel: string;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: availableParallelism(),
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpu_model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    kernel: release(),
  };
}

/** 1, 5 and 15 minute load averages: other work on the machine skews every figure. */
export function loadAverage(): number[] {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

export interface Versions {
  node: string;
  kube_apiserver: string;
  etcd: string;
  kwok: string;
  client_node: string;
}

async function firstLine(binary: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(binary, args);
    return (stdout || stderr).trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function describeVersions(binDir: string, repoRoot: string): Promise<Versions> {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { version?: string }> };
  return {
    node: process.version,
    kube_apiserver: (await firstLine(join(binDir, 'kube-apiserver'), ['--version'])).replace(/^Kubernetes /, ''),
    etcd: (await firstLine(join(binDir, 'etcd'), ['--version'])).replace(/^etcd Version: /, ''),
    kwok: await firstLine(join(binDir, 'kwok'), ['--version']),
    client_node: lock.packages?.['node_modules/@kubernetes/client-node']?.version ?? 'unknown',
  };
}

export async function describeCommit(repoRoot: string): Promise<{ commit: string; dirty: boolean }> {
  try {
    const { stdout: commit } = await run('git', ['-C', repoRoot, 'rev-parse', 'HEAD']);
    const { stdout: status } = await run('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'src']);
    return { commit: commit.trim(), dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}
