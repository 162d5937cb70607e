// A local control plane for people: `npm run cluster -- up | down | status | env | sa-kubeconfig`.
// Its data, logs and PIDs live in <repo>/.cluster/; it runs until `down`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  isOurProcess,
  readClusterState,
  readPidsFile,
  startControlPlane,
  stopControlPlaneIn,
  writeServiceAccountKubeconfig,
  type ClusterState,
  type NodeKind,
} from './lib/control-plane/index.ts';
import { imagesForRealNode } from './lib/local-images.ts';

const run = promisify(execFile);
const DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.cluster');
const USAGE = `usage: npm run cluster -- <command>
  up [--node=kwok|real]                       build if needed, start, wait until ready; --node=real runs
                                              containerd, kubelet and kube-proxy (root; pods run
                                              containers, images from podman: npm run image)
  down                                        stop what up started and remove ${DATA_DIR}
  status                                      each component's pid, whether it is alive, and /readyz
  env                                         export lines for eval: eval "$(npm run --silent cluster -- env)"
  sa-kubeconfig <namespace> <sa> <outfile>    write a kubeconfig that acts as that ServiceAccount`;

class UsageError extends Error {}

function progress(line: string): void {
  console.error(`[cluster] ${line}`);
}

/** Quotes for POSIX sh only when needed, so the common case reads naturally. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function runningComponents(): { running: string[]; recorded: number } {
  const pids = readPidsFile(DATA_DIR);
  const running = pids ? pids.components.filter((c) => isOurProcess(c, DATA_DIR)).map((c) => c.name) : [];
  return { running, recorded: pids?.components.length ?? 0 };
}

function requireState(): ClusterState {
  const state = readClusterState(DATA_DIR);
  if (!state) throw new UsageError(`no cluster in ${DATA_DIR}; start one with: npm run cluster -- up`);
  return state;
}

function printHowToUse(state: ClusterState): void {
  console.log(`API server:  ${state.server}`);
  console.log(`kubeconfig:  ${state.kubeconfig} (admin)`);
  console.log(`binaries:    ${state.binDir}`);
  console.log('');
  console.log('Use it from this shell:');
  console.log('  eval "$(npm run --silent cluster -- env)"');
  console.log('  kubectl get nodes,ns');
  console.log('Stop it and remove its data:');
  console.log('  npm run cluster -- down');
}

function nodeKindOf(args: string[]): NodeKind {
  const flag = args.find((a) => a.startsWith('--node='));
  const kind = flag?.slice('--node='.length) ?? 'kwok';
  if (kind !== 'kwok' && kind !== 'real') throw new UsageError(`--node must be kwok or real, not ${kind}\n${USAGE}`);
  const unknown = args.filter((a) => !a.startsWith('--node='));
  if (unknown.length > 0) throw new UsageError(`unknown argument ${unknown[0]}\n${USAGE}`);
  return kind;
}

async function up(args: string[]): Promise<void> {
  const node = nodeKindOf(args);
  const { running, recorded } = runningComponents();
  const existing = readClusterState(DATA_DIR);
  if (existing && running.length > 0 && running.length === recorded) {
    progress(`already running (${running.join(', ')})`);
    printHowToUse(existing);
    return;
  }
  // Anything else left in .cluster (a half-dead or never-ready cluster) is stopped and replaced.
  progress('locating the control-plane binaries (the first run builds them from Go modules: several minutes)');
  const started = Date.now();
  const nodeImages = node === 'real' ? await imagesForRealNode(progress) : [];
  const cluster = await startControlPlane({ dataDir: DATA_DIR, owner: 0, keepOnFailure: true, log: progress, node, nodeImages });
  progress(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s; logs in ${cluster.dataDir}/*.log`);
  printHowToUse(requireState());
}

async function down(): Promise<void> {
  if (!existsSync(DATA_DIR)) {
    progress(`nothing to stop: ${DATA_DIR} does not exist`);
    return;
  }
  const stopped = await stopControlPlaneIn(DATA_DIR);
  progress(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'no running component was left');
  progress(`removed ${DATA_DIR}`);
}

async function status(): Promise<boolean> {
  const pids = readPidsFile(DATA_DIR);
  const state = readClusterState(DATA_DIR);
  if (!pids) {
    console.log(`no cluster in ${DATA_DIR}`);
    return false;
  }
  let healthy = true;
  for (const component of pids.components) {
    const alive = isOurProcess(component, DATA_DIR);
    healthy &&= alive;
    console.log(`${component.name.padEnd(24)} pid ${String(component.pid).padEnd(8)} ${alive ? 'alive' : 'NOT RUNNING'}`);
  }
  if (state) {
    try {
      const { stdout } = await run(join(state.binDir, 'kubectl'), ['--kubeconfig', state.kubeconfig, 'get', '--raw', '/readyz'], {
        timeout: 10_000,
      });
      console.log(`${'readyz'.padEnd(24)} ${state.server} ${stdout.trim()}`);
    } catch (error) {
      healthy = false;
      const stderr = (error as { stderr?: string }).stderr?.trim() ?? String(error);
      console.log(`${'readyz'.padEnd(24)} ${state.server} NOT READY: ${stderr}`);
    }
  } else {
    healthy = false;
    console.log('readyz                   unknown: the cluster never became ready (see the logs in .cluster/)');
  }
  return healthy;
}

function env(): void {
  const state = requireState();
  if (runningComponents().running.length === 0) throw new UsageError(`the cluster in ${DATA_DIR} is not running; npm run cluster -- up`);
  console.log(`export KUBECONFIG=${shellQuote(state.kubeconfig)}`);
  console.log(`export PATH=${shellQuote(state.binDir)}:"$PATH"`);
}

async function saKubeconfig(args: string[]): Promise<void> {
  const [namespace, serviceAccount, outFile] = args;
  if (!namespace || !serviceAccount || !outFile) throw new UsageError(USAGE);
  const state = requireState();
  const file = await writeServiceAccountKubeconfig({
    adminKubeconfig: state.kubeconfig,
    namespace,
    serviceAccount,
    outFile: resolve(outFile),
    kubectl: join(state.binDir, 'kubectl'),
  });
  progress(`wrote ${file} for system:serviceaccount:${namespace}:${serviceAccount} (token valid for 1h)`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      await up(rest);
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status':
      return (await status()) ? 0 : 1;
    case 'env':
      env();
      return 0;
    case 'sa-kubeconfig':
      await saKubeconfig(rest);
      return 0;
    default:
      throw new UsageError(USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : `[cluster] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
