// `npm test`: starts one real control plane for the whole run, points the tests at it
// through CONFIGHASH_TEST_* variables, runs `node --test`, and always stops it again.
//
//   npm test                                  unit + integration tests
//   npm test -- test/integration/foo.test.ts  only these files (flags such as
//                                             --test-name-pattern=... are passed on)
//   CONFIGHASH_TEST_KUBECONFIG=... npm test   reuse a running cluster (npm run cluster -- up)
//   CONFIGHASH_TEST_NODE=real npm test ...    a real node instead of kwok (npm run test:e2e)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ControlPlaneBuildError,
  ensureBinaries,
  startControlPlane,
  type ControlPlane,
} from './lib/control-plane/index.ts';
import { readClusterOf } from './lib/control-plane/kubeconfig.ts';
import { imagesForRealNode } from './lib/local-images.ts';

const DEFAULT_PATTERNS = ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'];
/** Two cores: one file talks to the cluster while another waits on a controller. */
const CONCURRENCY = 2;
const PER_TEST_TIMEOUT_MS = 300_000;

function say(line: string): void {
  console.error(`[test] ${line}`);
}

function splitArgs(args: string[]): { patterns: string[]; flags: string[] } {
  const patterns = args.filter((arg) => !arg.startsWith('-'));
  const flags = args.filter((arg) => arg.startsWith('-'));
  return { patterns: patterns.length > 0 ? patterns : DEFAULT_PATTERNS, flags };
}

function needsCluster(patterns: string[]): boolean {
  return !patterns.every((pattern) => pattern.startsWith('test/unit/'));
}

/** The cluster the tests talk to: the one named by the environment, or a fresh one we own. */
async function provideCluster(env: NodeJS.ProcessEnv): Promise<ControlPlane | undefined> {
  if (env.CONFIGHASH_TEST_KUBECONFIG) {
    say(`reusing the cluster of CONFIGHASH_TEST_KUBECONFIG=${env.CONFIGHASH_TEST_KUBECONFIG}`);
    env.CONFIGHASH_TEST_BIN ??= await ensureBinaries({ log: say });
    env.CONFIGHASH_TEST_SERVER ??= (await readClusterOf(env.CONFIGHASH_TEST_KUBECONFIG)).server;
    return undefined;
  }
  let binDir: string;
  try {
    binDir = await ensureBinaries({ log: say });
  } catch (error) {
    if (error instanceof ControlPlaneBuildError) {
      say('the integration tests need the real control plane, and building it failed.');
      say('Go must be on PATH (e.g. export PATH=/usr/local/go/bin:$PATH); retry with scripts/controlplane/build.sh.');
    }
    throw error;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'confighash-test-'));
  try {
    const node = env.CONFIGHASH_TEST_NODE === 'real' ? 'real' : 'kwok';
    const nodeImages = node === 'real' ? await imagesForRealNode(say) : [];
    const cluster = await startControlPlane({ dataDir, binDir, log: say, node, nodeImages });
    env.CONFIGHASH_TEST_NODE = cluster.node;
    env.CONFIGHASH_TEST_KUBECONFIG = cluster.kubeconfig;
    env.CONFIGHASH_TEST_BIN = cluster.binDir;
    env.CONFIGHASH_TEST_SERVER = cluster.server;
    return cluster;
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

function runNodeTest(patterns: string[], flags: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<number> } {
  const args = [
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${CONCURRENCY}`,
    `--test-timeout=${PER_TEST_TIMEOUT_MS}`,
    ...flags,
    ...patterns,
  ];
  const child = spawn(process.execPath, args, { env, stdio: 'inherit' });
  const done = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve(code ?? (sig === 'SIGINT' ? 130 : 1)));
  });
  return { child, done };
}

async function main(): Promise<number> {
  const { patterns, flags } = splitArgs(process.argv.slice(2));
  const env = { ...process.env };
  let cluster: ControlPlane | undefined;
  let tests: ChildProcess | undefined;

  const onSignal = (sig: NodeJS.Signals) => {
    say(`${sig}: stopping the tests and the control plane`);
    tests?.kill(sig);
    void (cluster?.stop() ?? Promise.resolve()).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    if (needsCluster(patterns)) cluster = await provideCluster(env);
    if (cluster) say(`control plane at ${cluster.server} (data in ${cluster.dataDir})`);
    const run = runNodeTest(patterns, flags, env);
    tests = run.child;
    return await run.done;
  } finally {
    if (cluster) {
      await cluster.stop();
      say('control plane stopped');
    }
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
