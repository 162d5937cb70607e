// The confighash image run with podman, as a pod would run it: in-cluster environment
// variables, a ServiceAccount token mount, a numeric non-root user and a read-only root
// filesystem. The image comes from `npm run image` (scripts/image/build.sh).
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readClusterOf } from '../../scripts/lib/control-plane/kubeconfig.ts';
import { podmanEnv } from '../../scripts/lib/podman-env.ts';

export { podmanEnv };
import { kubectl, testCluster } from './cluster.ts';

const run = promisify(execFile);

/** The tag `npm run image` builds; CONFIGHASH_TEST_IMAGE names another. */
export const IMAGE = process.env.CONFIGHASH_TEST_IMAGE ?? 'confighash:dev';
/** Where a pod finds its ServiceAccount token, CA and namespace. */
export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** runAsUser in kustomize/base/deployment.yaml, and the image's USER. */
export const CONTROLLER_UID = 65532;

export class MissingImageError extends Error {
  readonly retryable = false;
  constructor(image: string, cause: unknown) {
    super(`image ${image} is not in podman's local storage: build it with \`npm run image\``, { cause });
    this.name = 'MissingImageError';
  }
}

export async function assertImagePresent(image = IMAGE): Promise<void> {
  try {
    await run('podman', ['image', 'exists', image], { env: await podmanEnv() });
  } catch (error) {
    throw new MissingImageError(image, error);
  }
}

/**
 * What the kubelet mounts at SERVICE_ACCOUNT_MOUNT: a token minted by TokenRequest for the
 * ServiceAccount, the cluster CA and the namespace. Returns the directory holding them.
 */
export async function serviceAccountMount(namespace: string, serviceAccount: string): Promise<string> {
  const cluster = testCluster();
  const { stdout: token } = await kubectl(['create', 'token', serviceAccount, '-n', namespace, '--duration=1h']);
  const { caPem } = await readClusterOf(cluster.kubeconfig);
  const dir = await mkdtemp(join(tmpdir(), 'confighash-sa-mount-'));
  await writeFile(join(dir, 'token'), token.trim());
  await writeFile(join(dir, 'ca.crt'), caPem);
  await writeFile(join(dir, 'namespace'), namespace);
  // Readable by the container's user, as the kubelet's projected volume is.
  await chmod(dir, 0o755);
  for (const file of ['token', 'ca.crt', 'namespace']) await chmod(join(dir, file), 0o644);
  return dir;
}

/** KUBERNETES_SERVICE_HOST and _PORT as the kubelet sets them, here for the test apiserver on the host network. */
export function inClusterEnv(server = testCluster().server): Record<string, string> {
  const url = new URL(server);
  return { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
}

export interface ContainerOptions {
  args: string[];
  env?: Record<string, string>;
  /** A directory to mount read-only at SERVICE_ACCOUNT_MOUNT. */
  serviceAccountDir?: string;
  image?: string;
  /** Default 'host': the test apiserver listens on the host's loopback. */
  network?: 'host' | 'none';
}

/** podman run's flags for a container shaped like the controller's pod. */
function podLikeFlags(name: string, opts: ContainerOptions): string[] {
  return [
    'run',
    '--rm',
    `--name=${name}`,
    `--network=${opts.network ?? 'host'}`,
    '--read-only',
    '--read-only-tmpfs=false',
    `--user=${CONTROLLER_UID}:${CONTROLLER_UID}`,
    // The Deployment's emptyDir at /tmp; the root filesystem stays read-only.
    '--tmpfs=/tmp:rw,size=16m',
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
    ...(opts.serviceAccountDir ? [`--volume=${opts.serviceAccountDir}:${SERVICE_ACCOUNT_MOUNT}:ro`] : []),
    ...Object.entries(opts.env ?? {}).map(([k, v]) => `--env=${k}=${v}`),
    opts.image ?? IMAGE,
    ...opts.args,
  ];
}

export interface RunningContainer {
  readonly name: string;
  logs(): string;
  /** Resolves with the exit code once the container has stopped. */
  exited: Promise<number>;
  /** podman stop (SIGTERM, then SIGKILL after 10s); resolves with the exit code. */
  stop(): Promise<number>;
}

/** Starts a long-running container; its output is kept for the test's failure message. */
export async function startContainer(opts: ContainerOptions): Promise<RunningContainer> {
  const env = await podmanEnv();
  const name = `confighash-e2e-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  const child = spawn('podman', podLikeFlags(name, opts), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => (typeof code === 'number' ? code : 1));
  let stopping: Promise<number> | undefined;
  return {
    name,
    logs: () => output,
    exited,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null) await run('podman', ['stop', '--time=10', name], { env }).catch(() => undefined);
        return exited;
      })()),
  };
}

export interface ContainerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a container to completion, with `input` on its stdin (`podman run -i`). */
export async function runContainer(opts: ContainerOptions & { input?: string; timeoutMs?: number }): Promise<ContainerResult> {
  const env = await podmanEnv();
  const name = `confighash-e2e-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  const flags = podLikeFlags(name, opts);
  const child = spawn('podman', [flags[0] ?? 'run', '-i', ...flags.slice(1)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(opts.input ?? '');
  const timer = setTimeout(() => void run('podman', ['rm', '-f', name], { env }).catch(() => undefined), opts.timeoutMs ?? 60_000);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code: code ?? 1, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
