import { join } from 'node:path';
import { diffCounts } from '../apiserver-metrics.ts';
import { sleep, type BenchContext } from '../context.ts';
import { BENCH_LABEL, paths } from '../kube/objects.ts';
import { Tracker } from '../kube/tracker.ts';
import type { KubeObject } from '../kube/watch.ts';
import { readProcessMemory } from '../rss.ts';
import { round } from '../stats.ts';
import { activityOf, controllerWrites, rolledSince } from './activity.ts';
import { scrapeActivity, waitForQuietApiserver, watchActivity, type ApiserverActivity } from './activity-watch.ts';
import type { PeerBuildInfo } from './build.ts';
import type { PeerDefinition } from './catalogue.ts';
import { assertPortFree, startPeerProcess } from './process.ts';

/** One peer's run through the scale scenario's objects. */
export interface PeerRun {
  title: string;
  build: PeerBuildInfo;
  /** The command line: the binary and its flags (empty: all its defaults). */
  command: string[];
  flags: string[];
  env: string[];
  /** Annotations on every scale Deployment that opt it in, and how many Deployments carried them. */
  opt_in: Record<string, string>;
  opted_in_deployments: number;
  notes: string[];
  /** How long the bench waited, before the spawn, for the previous controller's writes (and their rollouts) to end. */
  quiet_before_s: number;
  settled: boolean;
  /** Spawn → its last write or sync move at the apiserver, confirmed by apiserver_activity.quiet_s without one; null: not within wait_cap_s. */
  settled_s: number | null;
  wait_cap_s: number;
  /** Its writes at the apiserver, spawn → settled (or the cap): see CONTROLLER_WRITES. */
  startup_writes: number;
  startup_workload_writes: number;
  /** Scale Deployments whose generation went up, spawn → settled (or the cap): rollouts it started. */
  deployments_rolled: number;
  cpu_s_to_settle: number | null;
  /** VmHWM just before it was stopped. */
  peak_rss_mib: number;
  /** VmRSS after steady_window_s past settling; null when it did not settle. */
  rss_after_settle_mib: number | null;
  /** VmRSS at the cap, when it did not settle. */
  rss_at_cap_mib?: number;
  steady_window_s: number | null;
  steady_writes: number | null;
  apiserver_activity: ApiserverActivity;
  /** Exit code or signal after SIGTERM. */
  exit: string;
  log: string;
}

export interface PeerRunOptions {
  /** The admin kubeconfig of the bench's control plane. */
  kubeconfig: string;
  capS: number;
  quietS: number;
  pollS: number;
}

interface OptInView {
  generation: number;
  optedIn: boolean;
}

/** Starts the peer on the scale objects, waits for it to settle (or the cap), measures and stops it. */
export async function runPeer(ctx: BenchContext, peer: PeerDefinition, build: PeerBuildInfo, opts: PeerRunOptions): Promise<PeerRun> {
  const { api } = ctx;
  for (const { port, what } of peer.fixedPorts) await assertPortFree(port, what);
  const quietBefore = await waitForQuietApiserver(api);
  const project = (d: KubeObject & { metadata?: { annotations?: Record<string, string> } }): OptInView => ({
    generation: d.metadata?.generation ?? 0,
    optedIn: Object.entries(peer.optIn).every(([k, v]) => d.metadata?.annotations?.[k] === v),
  });
  const deployments = new Tracker({ api, collectionPath: paths.deployments(), labelSelector: `${BENCH_LABEL}=scale`, project });
  await deployments.start();
  const generations = new Map([...deployments.current].map(([key, view]) => [key, view.generation]));
  const optedIn = [...deployments.current.values()].filter((v) => v.optedIn).length;
  const logFile = join(ctx.resultsDir, 'logs', `peer-${peer.name}.log`);
  const before = await scrapeActivity(api);
  const proc = startPeerProcess(build.binary, peer.flags, opts.kubeconfig, logFile);
  ctx.log(`peer ${peer.name}: started (pid ${proc.pid}); ${optedIn} Deployments opted in; waiting up to ${opts.capS} s for it to settle`);
  try {
    let activity: ApiserverActivity;
    try {
      activity = await watchActivity(api, {
        startedAt: proc.spawnedAt,
        before,
        pid: proc.pid,
        quietMs: opts.quietS * 1000,
        capMs: opts.capS * 1000,
        pollMs: opts.pollS * 1000,
        exited: proc.exited,
      });
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; log ${logFile} ends:\n${await proc.logTail()}`, { cause: error });
    }
    const rolled = rolledSince(generations, deployments.current);
    ctx.log(
      activity.settled
        ? `peer ${peer.name}: settled at ${activity.settled_s} s after ${activity.writes} writes (${rolled} Deployments rolled)`
        : `peer ${peer.name}: NOT settled within ${opts.capS} s; ${activity.writes} writes so far (${rolled} Deployments rolled)`,
    );
    let steady: { window: number; writes: number; rss: number } | undefined;
    let rssAtCap: number | undefined;
    if (activity.settled) {
      const window = ctx.profile.scale.steadyWindowS;
      const steadyBefore = await scrapeActivity(api);
      await sleep(window * 1000);
      const steadyAfter = await scrapeActivity(api);
      const delta = diffCounts(steadyBefore.requests, steadyAfter.requests);
      steady = { window, writes: activityOf({ requests: delta, watchEvents: {}, watchLists: {} }).writes, rss: round(readProcessMemory(proc.pid)?.rssMib ?? 0) };
      if (steady.writes > 0) ctx.log(`peer ${peer.name}: ${steady.writes} writes in the ${window} s after settling: ${JSON.stringify(controllerWrites(delta))}`);
    } else {
      rssAtCap = round(readProcessMemory(proc.pid)?.rssMib ?? 0);
    }
    const peak = round(readProcessMemory(proc.pid)?.hwmMib ?? 0);
    return {
      title: peer.title,
      build,
      command: [build.binary, ...peer.flags],
      flags: peer.flags,
      env: ['KUBECONFIG=<the bench control plane admin kubeconfig>'],
      opt_in: peer.optIn,
      opted_in_deployments: optedIn,
      notes: peer.notes,
      quiet_before_s: quietBefore,
      settled: activity.settled,
      settled_s: activity.settled_s,
      wait_cap_s: opts.capS,
      startup_writes: activity.writes,
      startup_workload_writes: activity.workload_writes,
      deployments_rolled: rolled,
      cpu_s_to_settle: activity.cpu_s,
      peak_rss_mib: peak,
      rss_after_settle_mib: steady?.rss ?? null,
      ...(rssAtCap !== undefined ? { rss_at_cap_mib: rssAtCap } : {}),
      steady_window_s: steady?.window ?? null,
      steady_writes: steady?.writes ?? null,
      apiserver_activity: activity,
      exit: await proc.stop(),
      log: logFile,
    };
  } finally {
    await proc.stop();
    await deployments.stop();
  }
}
