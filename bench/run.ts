// `npm run bench`: latency, burst, scale and restart (and, with --only soak or webhook, those) on one real local control plane.
// Writes bench/results/latest.json and prints a table. See BENCHMARKS.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinaries, startControlPlane, type ControlPlane } from '../scripts/lib/control-plane/index.ts';
import { API_GROUP, RECORD_PLURAL } from '../src/api/constants.ts';
import { installControllerAccess } from '../test/support/controller-access.ts';
import { BenchArgsError, parseBenchArgs, usage, type BenchArgs, type ScenarioName } from './args.ts';
import type { BenchContext } from './context.ts';
import { buildController, controllerLaunch, type ControllerLaunch } from './controller.ts';
import { KubeApi } from './kube/api.ts';
import { waitForCrdEstablished } from './kube/crd.ts';
import { describeCommit, describeMachine, describeVersions, loadAverage } from './machine.ts';
import { buildPeers } from './peers/build.ts';
import { optInAnnotations } from './peers/catalogue.ts';
import { peersSkipped, runPeers } from './peers/phase.ts';
import { PROFILES } from './profile.ts';
import { evaluateGoals, formatTable, writeReport, type BenchResult } from './report.ts';
import { runBurst } from './scenarios/burst.ts';
import { runLatency } from './scenarios/latency.ts';
import { runRestart } from './scenarios/restart.ts';
import { runScale } from './scenarios/scale.ts';
import { runSoak } from './scenarios/soak.ts';
import { runWebhook } from './scenarios/webhook.ts';
import { runScaleSweep } from './scenarios/scale-sweep.ts';
import { runAdoptionEdit } from './scenarios/adoption-edit.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const began = performance.now();

function say(line: string): void {
  console.error(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}`);
}

/** A controller has settled after this long without a write or sync move at the apiserver, polled this often. */
const PEER_SETTLE = { quietS: 10, pollS: 1 };

const RUNNERS: Record<ScenarioName, (ctx: BenchContext) => Promise<object>> = {
  latency: runLatency,
  burst: runBurst,
  scale: runScale,
  restart: runRestart,
  soak: runSoak,
  webhook: runWebhook,
  'scale-sweep': runScaleSweep,
  'adoption-edit': runAdoptionEdit,
};

async function main(args: BenchArgs): Promise<number> {
  const profile = PROFILES[args.scale];
  const resultsDir = resolve(repoRoot, 'bench/results');
  const commit = await describeCommit(repoRoot);
  const profilesDir = join(resultsDir, 'profiles');
  const controllerNodeFlags = [...(args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profilesDir}`] : []), ...args.nodeOptions];
  const result: BenchResult & { controller: ControllerLaunch } = {
    schema: 1,
    started_at: new Date().toISOString(),
    run: {
      profile: profile.name,
      scenarios: args.scenarios,
      bench_flags: process.argv.slice(2),
      commit: commit.commit,
      src_dirty: commit.dirty,
      etcd_fsync: args.fsync,
      controller_node_options: args.nodeOptions,
      controller_flags: args.controllerFlags,
      load_start: loadAverage(),
    },
    machine: describeMachine(),
    controller: controllerLaunch(controllerNodeFlags),
  };
  say(`building the controller (${result.controller.build}): it runs ${result.controller.entry} with NODE_OPTIONS="${result.controller.node_options}"`);
  for (const line of result.controller.node_options_derived) say(`  as in the Deployment's container: ${line}`);
  await buildController();
  if (args.nodeOptions.length > 0) say(`EXPERIMENT: the controller runs with node ${args.nodeOptions.join(' ')}; these are not the defaults' figures`);
  if (args.controllerFlags.length > 0) say(`EXPERIMENT: the controller runs with ${args.controllerFlags.join(' ')}; these are not the defaults' figures`);
  say(`profile ${profile.name}: ${args.scenarios.join(', ')}; load ${result.run.load_start.join(' ')}`);

  const binDir = await ensureBinaries({ log: say });
  // Built before the control plane starts, so no build runs while anything is measured.
  const peerBuilds = await buildPeers(args.peers?.sources ?? [], say);
  const peerNames = peerBuilds.map((p) => p.name);
  const runners: typeof RUNNERS = peerNames.length === 0 ? RUNNERS : {
    ...RUNNERS,
    scale: (ctx) => runScale(ctx, { deploymentAnnotations: optInAnnotations(peerNames), apiserverActivity: { ...PEER_SETTLE, capS: 600 } }),
  };
  result.versions = await describeVersions(binDir, repoRoot);
  const dataDir = await mkdtemp(join(tmpdir(), 'confighash-bench-'));
  let cluster: ControlPlane | undefined;
  let api: KubeApi | undefined;
  const stopAll = async (): Promise<void> => {
    await api?.close().catch(() => undefined);
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: stopping the control plane`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let failures = 0;
  try {
    const cpStarted = performance.now();
    cluster = await startControlPlane({ dataDir, binDir, fsync: args.fsync, apiserverProfiling: args.apiserverProfile, log: (line) => say(`control plane: ${line}`) });
    result.run.control_plane_start_s = Math.round(performance.now() - cpStarted) / 1000;
    process.env.CONFIGHASH_TEST_KUBECONFIG = cluster.kubeconfig;
    process.env.CONFIGHASH_TEST_BIN = cluster.binDir;
    process.env.CONFIGHASH_TEST_SERVER = cluster.server;
    const controllerKubeconfig = await installControllerAccess();
    api = await KubeApi.fromKubeconfig(cluster.kubeconfig);
    // installControllerAccess waits for the AppConfig CRD only; the bench watches WorkloadRecords too.
    await waitForCrdEstablished(api, `${RECORD_PLURAL}.${API_GROUP}`);
    const ctx: BenchContext = {
      api,
      controllerKubeconfig,
      profile,
      resultsDir,
      profilesDir,
      heapSnapshot: args.heapSnapshot,
      apiserverProfile: args.apiserverProfile,
      controlPlanePids: () => cluster?.pids ?? {},
      soakMinutes: args.soakMinutes,
      controllerNodeFlags,
      controllerFlags: args.controllerFlags,
      log: say,
    };
    for (const name of args.scenarios) {
      say(`${name}: start`);
      const started = performance.now();
      try {
        const section = await runners[name](ctx);
        Object.assign(result, { [name]: section });
        say(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        failures += 1;
        const message = error instanceof Error ? error.message : String(error);
        Object.assign(result, { [name]: { error: message } });
        say(`${name}: FAILED: ${message}`);
      }
    }
    if (args.peers) {
      // After every confighash scenario: the peers change the scale Deployments (Wave rolls them).
      const scale = result.scale;
      result.peers = scale && !('error' in scale)
        ? await runPeers(ctx, peerBuilds, { kubeconfig: cluster.kubeconfig, capS: args.peers.waitS, ...PEER_SETTLE })
        : peersSkipped(peerBuilds, 'not run: the scale scenario failed');
    }
  } finally {
    say('stopping the control plane');
    await stopAll();
  }
  result.finished_at = new Date().toISOString();
  result.duration_s = Math.round(performance.now() - began) / 1000;
  result.run.load_end = loadAverage();
  result.goals = evaluateGoals(result);
  const out = resolve(repoRoot, args.out);
  await writeReport(out, result);
  console.log(formatTable(result));
  say(`wrote ${out} (${result.duration_s} s; load at end ${result.run.load_end.join(' ')})`);
  return failures > 0 ? 1 : 0;
}

let args: BenchArgs | 'help';
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${error instanceof BenchArgsError || error instanceof TypeError ? error.message : String(error)}\n\n${usage}`);
  process.exit(2);
}
if (args === 'help') {
  console.log(usage);
} else {
  const code = await main(args).catch((error: unknown) => {
    say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  });
  process.exitCode = code;
  // A socket some library keeps open must not hold the finished bench for minutes.
  setTimeout(() => process.exit(code), 5000).unref();
}
