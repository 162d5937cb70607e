import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * Where a test's control plane is: the one this `npm test` run shares (testCluster(), from
 * the CONFIGHASH_TEST_* environment), or a private one (test/support/faults.ts). Helpers
 * take one explicitly and default to the shared one.
 */
export interface TestCluster {
  /** Admin kubeconfig path. */
  kubeconfig: string;
  /** Directory holding kubectl, kustomize and the other control-plane binaries. */
  binDir: string;
  /** https://127.0.0.1:PORT */
  server: string;
}

export class MissingTestClusterError extends Error {
  readonly retryable = false;
  constructor(missing: string[]) {
    super(
      `${missing.join(', ')} not set: run integration tests through \`npm test\`, which starts the control plane ` +
        '(or set them for a cluster from `npm run cluster -- up`).',
    );
    this.name = 'MissingTestClusterError';
  }
}

export function testCluster(env: NodeJS.ProcessEnv = process.env): TestCluster {
  const kubeconfig = env.CONFIGHASH_TEST_KUBECONFIG;
  const binDir = env.CONFIGHASH_TEST_BIN;
  const server = env.CONFIGHASH_TEST_SERVER;
  if (!kubeconfig || !binDir || !server) {
    const names = { CONFIGHASH_TEST_KUBECONFIG: kubeconfig, CONFIGHASH_TEST_BIN: binDir, CONFIGHASH_TEST_SERVER: server };
    throw new MissingTestClusterError(Object.entries(names).filter(([, v]) => !v).map(([k]) => k));
  }
  return { kubeconfig, binDir, server };
}

/** A fresh admin KubeConfig (client-node 2.x) for the test cluster. */
export function adminKubeConfig(cluster: TestCluster = testCluster()): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  return kc;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin, e.g. a manifest for `apply -f -`. */
  input?: string;
  /** Default: the admin kubeconfig. */
  kubeconfig?: string;
  /** Default: the shared test cluster. */
  cluster?: TestCluster;
  /** Resolve with a non-zero exit code instead of rejecting. Default false. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

/** Runs the pinned kubectl against the test cluster; rejects with its stderr when it fails. */
export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const cluster = opts.cluster ?? testCluster();
  const fullArgs = ['--kubeconfig', opts.kubeconfig ?? cluster.kubeconfig, ...args];
  return new Promise((resolve, reject) => {
    const child = execFile(
      join(cluster.binDir, 'kubectl'),
      fullArgs,
      { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (code !== 0 && !opts.allowFailure) {
          reject(new Error(`kubectl ${args.join(' ')} failed (exit ${code}): ${stderr.trim() || error?.message}`, { cause: error }));
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}
