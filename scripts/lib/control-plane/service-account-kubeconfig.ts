import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readClusterOf, writeKubeconfig } from './kubeconfig.ts';

const run = promisify(execFile);

export interface ServiceAccountKubeconfigOptions {
  adminKubeconfig: string;
  namespace: string;
  serviceAccount: string;
  outFile: string;
  /** Path of the kubectl binary. */
  kubectl: string;
  /** Lifetime of the token; the apiserver may shorten it. Default one hour. */
  durationSeconds?: number;
}

/**
 * Writes a kubeconfig that acts as the ServiceAccount and nothing more: a TokenRequest
 * token (via `kubectl create token`) and the cluster's CA data. No admin credential is
 * copied into it. Returns the file path.
 */
export async function writeServiceAccountKubeconfig(opts: ServiceAccountKubeconfigOptions): Promise<string> {
  const duration = opts.durationSeconds ?? 3600;
  let token: string;
  try {
    const { stdout } = await run(opts.kubectl, [
      '--kubeconfig', opts.adminKubeconfig,
      'create', 'token', opts.serviceAccount,
      '--namespace', opts.namespace,
      `--duration=${duration}s`,
    ]);
    token = stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `could not mint a token for ServiceAccount ${opts.namespace}/${opts.serviceAccount}: ${stderr.trim()}`,
      { cause: error },
    );
  }
  if (token === '') throw new Error(`kubectl create token returned no token for ${opts.namespace}/${opts.serviceAccount}`);
  const { server, caPem } = await readClusterOf(opts.adminKubeconfig);
  return writeKubeconfig(opts.outFile, {
    server,
    caPem,
    userName: `system:serviceaccount:${opts.namespace}:${opts.serviceAccount}`,
    token,
    contextName: `${opts.namespace}-${opts.serviceAccount}`,
    namespace: opts.namespace,
  });
}
