// The optional real node (`npm run cluster -- up --node=real`): containerd (with Debian's
// runc and CNI bridge + host-local plugins), a kubelet and kube-proxy on this machine, so
// that pods run containers and Services (the in-cluster `kubernetes` Service included) work.
// Images come from podman's local storage (`podman save` | `ctr images import`), never
// from a registry. One real node per machine: kube-proxy owns the host's KUBE-* iptables
// chains, and the bridge has a fixed name.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { POD_CIDR, type ComponentContext } from './components.ts';
import { podmanEnv } from '../podman-env.ts';
import type { ComponentSpec } from './launch.ts';
import { commandLineOf, isAlive, signal, waitUntilGone } from './processes.ts';

const run = promisify(execFile);

export const REAL_NODE_NAME = 'confighash-node';
/** The host's address on the pod bridge: the pods' gateway, the node's IP and the apiserver's advertise address. */
export const NODE_BRIDGE = 'confighash0';
export const NODE_IP = '10.244.0.1';
export const NODE_POD_SUBNET = '10.244.0.0/24';
/** The sandbox image, built by build-node.sh from node/kube/pause and loaded at start. */
export const PAUSE_IMAGE = 'localhost/confighash-pause:dev';
/** Pod cgroups go below this root in every hierarchy, so that the cleanup finds exactly ours. */
const CGROUP_ROOT = '/confighash-node';
const CNI_BIN_DIR = '/usr/lib/cni';
const RUNC = '/usr/sbin/runc';

const BUILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../controlplane/build-node.sh');

/** The node's binaries from build-node.sh: built when not cached (minutes), else at once. Progress goes to stderr. */
export async function ensureNodeBinaries(): Promise<string> {
  const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  });
  if (code !== 0) throw new Error(`building the real node failed: ${BUILD_SCRIPT} exited with ${code}`);
  return stdout.trim().split('\n').at(-1) ?? '';
}

export interface RealNodePaths {
  dir: string;
  socket: string;
  containerdConfig: string;
  kubeletConfig: string;
  cniConfDir: string;
}

export function realNodePaths(dataDir: string): RealNodePaths {
  const dir = join(dataDir, 'node');
  return {
    dir,
    socket: join(dir, 'containerd', 'containerd.sock'),
    containerdConfig: join(dir, 'containerd.toml'),
    kubeletConfig: join(dir, 'kubelet.yaml'),
    cniConfDir: join(dir, 'cni'),
  };
}

/** Which Debian packages the node takes its low-level parts from, checked before anything starts. */
export function assertNodePrerequisites(): void {
  const missing = [
    [RUNC, 'runc'],
    [join(CNI_BIN_DIR, 'bridge'), 'containernetworking-plugins'],
    [join(CNI_BIN_DIR, 'host-local'), 'containernetworking-plugins'],
    ['/usr/sbin/iptables', 'iptables'],
    ['/usr/sbin/conntrack', 'conntrack'],
  ].filter(([file]) => !existsSync(file ?? ''));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(`the real node needs ${missing.map(([file]) => file).join(', ')}: apt-get install -y ${packages}`);
  }
  if (process.getuid?.() !== 0) throw new Error('the real node runs containerd, kubelet and kube-proxy, which need root');
}

/** The bridge exists before the apiserver starts, because the apiserver advertises NODE_IP. */
export async function createNodeBridge(): Promise<void> {
  const { stdout } = await run('ip', ['-o', 'addr', 'show', 'dev', NODE_BRIDGE]).catch(() => ({ stdout: '' }));
  if (!stdout.includes(`${NODE_IP}/`)) {
    await run('ip', ['link', 'add', NODE_BRIDGE, 'type', 'bridge']).catch(() => undefined);
    await run('ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', NODE_BRIDGE]);
  }
  await run('ip', ['link', 'set', NODE_BRIDGE, 'up']);
}

export interface NodePorts {
  kubelet: number;
  kubeletHealthz: number;
  proxyMetrics: number;
  proxyHealthz: number;
}
export const NODE_PORT_NAMES = ['kubelet', 'kubeletHealthz', 'proxyMetrics', 'proxyHealthz'] as const;

export async function writeNodeConfig(ctx: ComponentContext, nodeBinDir: string, ports: NodePorts): Promise<RealNodePaths> {
  const paths = realNodePaths(ctx.dataDir);
  await mkdir(paths.cniConfDir, { recursive: true });
  // For the cleanup, which may run in another process (cluster down, the watchdog).
  await writeFile(join(paths.dir, 'bin-dir'), `${nodeBinDir}\n`);
  await mkdir(join(paths.dir, 'containerd'), { recursive: true });
  await writeFile(
    paths.containerdConfig,
    `version = 3
root = "${join(paths.dir, 'containerd', 'root')}"
state = "${join(paths.dir, 'containerd', 'state')}"

[grpc]
  address = "${paths.socket}"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "${PAUSE_IMAGE}"

# This VM lacks CAP_SYS_RESOURCE: runc cannot set the negative oom_score_adj the kubelet
# asks for sandboxes (-998); keep every container's at or above containerd's own.
[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "${RUNC}"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["${CNI_BIN_DIR}"]
    conf_dir = "${paths.cniConfDir}"
`,
  );
  await writeFile(
    join(paths.cniConfDir, '10-confighash.conflist'),
    `${JSON.stringify(
      {
        cniVersion: '1.0.0',
        name: 'confighash',
        plugins: [
          {
            type: 'bridge',
            bridge: NODE_BRIDGE,
            isGateway: true,
            isDefaultGateway: true,
            ipMasq: true,
            hairpinMode: true,
            ipam: { type: 'host-local', ranges: [[{ subnet: NODE_POD_SUBNET, gateway: NODE_IP }]], dataDir: join(paths.dir, 'ipam') },
          },
        ],
      },
      null,
      2,
    )}\n`,
  );
  // This VM mounts cgroup v1 (hybrid): kubelets from v1.35 on refuse it unless told.
  await writeFile(
    paths.kubeletConfig,
    `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: ${CGROUP_ROOT}
containerRuntimeEndpoint: unix://${paths.socket}
address: ${NODE_IP}
port: ${ports.kubelet}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${ports.kubeletHealthz}
# The apiserver has no kubelet client certificate here; \`kubectl logs\` and port-forward
# need the kubelet to let it in. The port listens on the pod bridge only.
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
failSwapOn: false
podCIDR: ${NODE_POD_SUBNET}
maxPods: 50
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
enforceNodeAllocatable: []
localStorageCapacityIsolation: false
fileCheckFrequency: 0s
`,
  );
  return paths;
}

/**
 * The kubelet wants its cgroupRoot to exist in every hierarchy. A new cpuset cgroup starts
 * with no CPUs and no memory nodes; it gets its parent's.
 */
export async function createCgroupRoot(): Promise<void> {
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', hierarchy, CGROUP_ROOT);
    await mkdir(dir, { recursive: true });
    if (hierarchy === 'cpuset') {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        const current = readFileSync(join(dir, file), 'utf8').trim();
        if (current === '') await writeFile(join(dir, file), readFileSync(join('/sys/fs/cgroup', hierarchy, file), 'utf8'));
      }
    }
  }
}

export function containerd(ctx: ComponentContext, nodeBinDir: string): ComponentSpec {
  const paths = realNodePaths(ctx.dataDir);
  return {
    name: 'containerd',
    binary: join(nodeBinDir, 'containerd'),
    args: ['--config', paths.containerdConfig],
    listens: [],
    // containerd finds containerd-shim-runc-v2 on PATH.
    env: { ...process.env, PATH: `${nodeBinDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` },
  };
}

export function kubelet(ctx: ComponentContext, nodeBinDir: string): ComponentSpec {
  const paths = realNodePaths(ctx.dataDir);
  return {
    name: 'kubelet',
    binary: join(nodeBinDir, 'kubelet'),
    args: [
      `--config=${paths.kubeletConfig}`,
      // The admin identity: a local test node needs no bootstrap or Node authorizer identity.
      `--kubeconfig=${ctx.adminKubeconfig}`,
      `--hostname-override=${REAL_NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
      `--root-dir=${join(paths.dir, 'kubelet')}`,
      `--cert-dir=${join(paths.dir, 'kubelet', 'pki')}`,
    ],
    listens: [],
    env: { ...process.env, PATH: `${CNI_BIN_DIR}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` },
  };
}

export function kubeProxy(ctx: ComponentContext, nodeBinDir: string, ports: NodePorts): ComponentSpec {
  return {
    name: 'kube-proxy',
    binary: join(nodeBinDir, 'kube-proxy'),
    args: [
      `--kubeconfig=${ctx.adminKubeconfig}`,
      `--hostname-override=${REAL_NODE_NAME}`,
      '--proxy-mode=iptables',
      `--cluster-cidr=${POD_CIDR}`,
      `--metrics-bind-address=127.0.0.1:${ports.proxyMetrics}`,
      `--healthz-bind-address=127.0.0.1:${ports.proxyHealthz}`,
      // Leave the host's conntrack table size alone (it is the machine's, not ours).
      '--conntrack-max-per-core=0',
    ],
    listens: [
      { port: ports.proxyMetrics, purpose: 'metrics' },
      { port: ports.proxyHealthz, purpose: 'healthz' },
    ],
  };
}

/** An image in podman's local storage, and the name the node's pods know it by. */
export interface NodeImage {
  source: string;
  /** A fully qualified name, e.g. localhost/confighash:dev or docker.io/library/node:24-slim. */
  name: string;
}

/** PAUSE_IMAGE in podman's storage: build-node.sh's pause binary alone, as /pause. */
export async function ensurePauseImage(nodeBinDir: string): Promise<NodeImage> {
  const env = await podmanEnv();
  const present = await run('podman', ['image', 'exists', PAUSE_IMAGE], { env }).then(
    () => true,
    () => false,
  );
  if (!present) {
    const { stdout } = await run('buildah', ['from', '--quiet', 'scratch'], { env });
    const ctr = stdout.trim();
    await run('buildah', ['copy', '--quiet', ctr, join(nodeBinDir, 'pause'), '/pause'], { env });
    await run('buildah', ['config', '--entrypoint', '["/pause"]', '--user', '65535:65535', ctr], { env });
    await run('buildah', ['commit', '--quiet', '--rm', ctr, PAUSE_IMAGE], { env });
  }
  return { source: PAUSE_IMAGE, name: PAUSE_IMAGE };
}

/** `podman save | ctr images import -`: the node runs what was built here, never pulls. */
export async function loadImage(dataDir: string, nodeBinDir: string, image: NodeImage): Promise<void> {
  const env = await podmanEnv();
  const { socket } = realNodePaths(dataDir);
  // docker-archive carries the name it is saved under (RepoTags), and ctr import keeps it.
  await run('podman', ['tag', image.source, image.name], { env });
  const save = spawn('podman', ['save', '--format', 'docker-archive', image.name], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ctr = spawn(join(nodeBinDir, 'ctr'), ['--address', socket, '-n', 'k8s.io', 'images', 'import', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let errors = '';
  save.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  ctr.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  save.stdout.pipe(ctr.stdin);
  const [[saved], [imported]] = (await Promise.all([once(save, 'exit'), once(ctr, 'exit')])) as [[number | null], [number | null]];
  if (saved !== 0 || imported !== 0) {
    throw new Error(`loading ${image.source} as ${image.name} into containerd failed (podman save ${saved}, ctr import ${imported}): ${errors.trim()}`);
  }
}

/** The images containerd holds, by name. */
export async function nodeImages(dataDir: string, nodeBinDir: string): Promise<string[]> {
  const { socket } = realNodePaths(dataDir);
  const { stdout } = await run(join(nodeBinDir, 'ctr'), ['--address', socket, '-n', 'k8s.io', 'images', 'ls', '-q']);
  return stdout.split('\n').filter(Boolean);
}

function cgroupProcsUnder(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  const walk = (d: string) => {
    try {
      pids.push(...readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      // gone meanwhile
    }
    for (const entry of readdirSync(d, { withFileTypes: true })) if (entry.isDirectory()) walk(join(d, entry.name));
  };
  walk(dir);
  return pids;
}

function shimsOf(socket: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const cmd = commandLineOf(pid);
      return cmd !== undefined && cmd.some((arg) => arg.endsWith('containerd-shim-runc-v2')) && cmd.includes(socket);
    });
}

/**
 * After kubelet and containerd are stopped: ends the pods' processes (found in the node's
 * own cgroup root, so nothing else is touched) and their shims (by the node's socket on
 * their command line), unmounts what containerd and the kubelet mounted below dataDir,
 * removes the pods' cgroups and kube-proxy's rules.
 */
export async function cleanUpRealNode(dataDir: string): Promise<void> {
  const { socket, dir } = realNodePaths(dataDir);
  if (!existsSync(dir)) return;
  const pods = cgroupProcsUnder(join('/sys/fs/cgroup/pids', CGROUP_ROOT));
  const shims = shimsOf(socket);
  for (const pid of [...pods, ...shims]) if (isAlive(pid)) signal(pid, 'SIGKILL');
  await waitUntilGone([...pods, ...shims], 5000);
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await run('umount', ['-l', point]).catch(() => undefined);
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) removeCgroupTree(join('/sys/fs/cgroup', hierarchy, CGROUP_ROOT));
  const binDirFile = join(dir, 'bin-dir');
  if (existsSync(binDirFile)) {
    await run(join(readFileSync(binDirFile, 'utf8').trim(), 'kube-proxy'), ['--cleanup']).catch(() => undefined);
  }
  await run('ip', ['link', 'del', NODE_BRIDGE]).catch(() => undefined);
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  try {
    rmdirSync(dir);
  } catch {
    // still busy, or not a cgroup directory of ours: left alone
  }
}
