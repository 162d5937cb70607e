import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diffCounts, perChange, scrapeApiserver, writesByResource, type RequestCounts, type WritesByResource } from '../apiserver-metrics.ts';
import { startController, secondsSince, sleep, type BenchContext } from '../context.ts';
import { controllerIdle } from '../controller-state.ts';
import { debounceSettings, type DebounceSettings } from '../debounce.ts';
import { pickConfigMap, seededRandom } from '../edit-schedule.ts';
import { configMapChecksum } from '../expected.ts';
import { idealRollouts } from '../ideal-rollouts.ts';
import { deploymentView, type DeploymentObject, type DeploymentView } from '../kube/deployment-view.ts';
import { appConfig, configMap, deployment, namespace, paths } from '../kube/objects.ts';
import { forEachLimited, withRetries } from '../kube/pool.ts';
import { adopted, recordTracker } from '../kube/record-view.ts';
import { Tracker } from '../kube/tracker.ts';
import { decisionCounts, logErrors, type LogErrors } from '../controller-log.ts';
import { readProcessMemory } from '../rss.ts';
import { rssTrend, type RssSample } from '../rss-trend.ts';
import { round } from '../stats.ts';
import { runNamespaceChurn, type ChurnResult } from './soak-churn.ts';

export interface SoakResult extends DebounceSettings {
  minutes: number;
  config_maps: number;
  deployments: number;
  edits_per_second: number;
  /** Main edits acknowledged, and their real rate over the soak. */
  edits: number;
  edit_rate_per_s: number;
  /** Edits that failed after retries (they changed nothing and are not in the ideal). */
  edit_failures: number;
  /** The edit schedule: its seed, and the band of gaps between two edits of one ConfigMap it avoids (s). */
  edit_schedule: { seed: number; avoided_gap_s: [number, number] };
  /** When the first edit went out (wall clock, to line up with the controller's log), and each ConfigMap's edit acknowledgements since then (s): the ideal's input. */
  edits_started_at: string;
  edit_ack_times_s: Record<string, number[]>;
  churn: ChurnResult;
  /** Every content change: main edits plus churn edits. */
  content_changes: number;
  rss_sample_interval_s: number;
  /** VmRSS every rss_sample_interval_s from the first edit to the last (MiB), and when each was read (s). */
  rss_samples_mib: number[];
  rss_sample_times_s: number[];
  /** nodejs_heap_size_used_bytes from the controller's metrics at the same times (MiB). */
  heap_used_samples_mib: number[];
  /** The samples before this are left out of the slope. */
  rss_warmup_s: number;
  /** Least-squares slope of the samples after the warm-up (null when fewer than 2). Goal ≤ 1 MiB/h. */
  rss_slope_mib_per_hour: number | null;
  rss_slope_stderr_mib_per_hour: number | null;
  rss_slope_samples: number;
  rss_slope_window_s: [number, number] | null;
  /** VmHWM at the end: the most the controller ever held, start-up included. */
  peak_rss_mib: number;
  /** VmRSS once the last churn namespace was gone and the controller idle. */
  rss_after_settle_mib: number;
  /** Pod-template checksum changes of main and churn Deployments seen by the bench's watch: one per rollout. */
  rollouts: number;
  /** Σ quiet-period groups × Deployments per ConfigMap, from the acknowledged edit times (bench/ideal-rollouts.ts); goal: rollouts equal. */
  ideal_rollouts: number;
  /** The ideal had every edit reached the controller up to 250 ms earlier or later relative to the others: [low, high]. */
  ideal_rollouts_range: [number, number];
  main_rollouts: number;
  main_ideal_rollouts: number;
  /** The controller's own count (confighash_rollouts_total), and the apiserver's PATCHes to Deployments. */
  controller_rollouts: number;
  /** New ReplicaSets of the main Deployments (revision increments): the rate-limited deployment controller may fold quick template changes into one. */
  replica_sets_created: number;
  errors: LogErrors & {
    /** Reconciles that failed and went back to the queue (confighash_reconciles_total{result="retry"}). */
    failed_reconciles: number;
    watch_handler_errors: number;
  };
  /** Writes counted at the apiserver from the first edit to settled (all clients; see writesByResource). */
  writes: WritesByResource;
  writes_per_change: Record<keyof WritesByResource, number | null>;
  /**
   * events.k8s.io Events in the main soak namespace at the end, by reportingController: whose
   * Events the apiserver's counts above are (it counts every client's).
   */
  events_by_reporter: Record<string, number>;
  requests: RequestCounts;
  /** From the last edit acknowledged until every main Deployment carried its ConfigMap's final checksum; null if one never did. */
  converge_after_last_edit_s: number | null;
  /** Main Deployments without their ConfigMap's final checksum 60 s after the last edit: lost rollouts. */
  deployments_behind: { deployment: string; expected: string; actual: string | null }[];
  /** The controller's decisions over its life, "<decision> <reason>" → count (from its log). */
  decisions: Record<string, number>;
  controller_flags: string[];
}

const NS = 'bench-soak';
const SEED = 20261126;
const IDEAL_MARGIN_MS = 250;
const CONVERGE_TIMEOUT_MS = 60_000;

/**
 * Edits at a steady rate over ConfigMaps read by Deployments, for minutes, with namespaces
 * created and deleted along the way: memory must stop growing once warm, and each quiet
 * period must give exactly one rollout per Deployment.
 */
export async function runSoak(ctx: BenchContext): Promise<SoakResult> {
  const { api, profile } = ctx;
  const soak = profile.soak;
  const minutes = ctx.soakMinutes;
  const cms = Array.from({ length: soak.configMaps }, (_, i) => configMap(NS, `soak-config-${String(i).padStart(2, '0')}`, 'soak', profile.sizes.configMapBytes));
  const names = cms.map((cm) => cm.metadata.name);
  const deploymentsOf = (cmName: string): string[] => Array.from({ length: soak.deploymentsPerConfigMap }, (_, j) => `${cmName.replace('config', 'app')}-${j}`);
  await api.create(paths.namespaces, namespace(NS, 'soak'));
  await forEachLimited(cms, 8, async (cm) => {
    await withRetries(() => api.create(paths.configMaps(NS), cm));
    // Enough history that the deployment controller deletes no ReplicaSet during the soak.
    for (const name of deploymentsOf(cm.metadata.name)) await withRetries(() => api.create(paths.deployments(NS), deployment(NS, name, 'soak', { envFromConfigMaps: [cm.metadata.name] }, { revisionHistoryLimit: 1000 })));
    await withRetries(() => api.create(paths.appConfigs(NS), appConfig(NS, cm.metadata.name, 'soak', { configMaps: [cm.metadata.name] })));
  });
  const deploymentCount = soak.configMaps * soak.deploymentsPerConfigMap;

  const tracker = new Tracker<DeploymentObject, DeploymentView>({ api, collectionPath: paths.deployments(NS), project: deploymentView });
  const records = recordTracker(api, NS);
  await tracker.start();
  await records.start();
  const flags = ['--all-namespaces'];
  const debounce = debounceSettings(flags);
  const quiet = { debounceMs: debounce.debounce_s * 1000, debounceMaxMs: debounce.debounce_max_s * 1000 };
  const controller = await startController(ctx, 'soak', flags);
  const samples: RssSample[] = [];
  const heapSamples: RssSample[] = [];
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    await controller.ready();
    await records.waitUntil(() => [...tracker.current].filter(([key, d]) => adopted(d, records.current.get(key))).length === deploymentCount, 'a WorkloadRecord for every soak Deployment', 120_000);
    await tracker.waitUntil(() => [...tracker.current.values()].every((d) => d.revision >= 1 && d.observedGeneration >= d.generation), 'the deployment controller to observe every soak Deployment', 300_000);
    const revisionsBefore = new Map([...tracker.current].map(([k, d]) => [k, d.revision]));
    const rolloutsBefore = await controller.metricValue('confighash_rollouts_total');
    const lastChecksum = new Map([...tracker.current].map(([k, d]) => [k, d.checksum]));
    let mainRollouts = 0;
    tracker.onChange((key, view) => {
      if (!view || view.checksum === lastChecksum.get(key)) return;
      lastChecksum.set(key, view.checksum);
      mainRollouts += 1;
    });

    const apiBefore = (await scrapeApiserver(api)).requests;
    const t0 = performance.now();
    const endAt = t0 + minutes * 60_000;
    const startedAt = new Date().toISOString();
    const sample = (): void => {
      const atS = (performance.now() - t0) / 1000;
      const memory = readProcessMemory(controller.pid);
      if (memory) samples.push({ atS, mib: memory.rssMib });
      // The V8 heap in use beside it: RSS follows the heap's growth up to a major GC and its fall after.
      void controller.metricValue('nodejs_heap_size_used_bytes').then((bytes) => heapSamples.push({ atS, mib: bytes / 2 ** 20 }), () => undefined);
    };
    sample();
    sampler = setInterval(sample, soak.rssSampleIntervalS * 1000);
    const churn = runNamespaceChurn(ctx, { startAt: t0, endAt, everyMs: soak.churnEveryS * 1000, configMapBytes: profile.sizes.configMapBytes, quiet });
    // Awaited below; a failure must not go unhandled while the edits run.
    churn.catch(() => undefined);

    // Edits of one ConfigMap go out one after another, so they land in the order they were chosen.
    const random = seededRandom(SEED);
    const lastSentAt = new Map<string, number>();
    const ackTimes = new Map<string, number[]>(names.map((n) => [n, []]));
    const chains = new Map<string, Promise<void>>();
    let editFailures = 0;
    let lastAck = t0;
    for (let k = 0; ; k++) {
      const at = t0 + (k * 1000) / soak.editsPerSecond;
      if (at >= endAt) break;
      if (at > performance.now()) await sleep(at - performance.now());
      const now = performance.now();
      const name = pickConfigMap(names, lastSentAt, now, soak.avoidGapMs, random);
      lastSentAt.set(name, now);
      const edit = (): Promise<void> =>
        withRetries(() => api.patch(paths.configMap(NS, name), 'merge', { data: { revision: `soak-${k}` } })).then(() => {
          lastAck = performance.now();
          ackTimes.get(name)?.push(lastAck);
        });
      chains.set(name, (chains.get(name) ?? Promise.resolve()).then(edit).catch(() => void (editFailures += 1)));
    }
    await Promise.all(chains.values());
    sample();
    clearInterval(sampler);
    sampler = undefined;
    const edits = [...ackTimes.values()].reduce((n, times) => n + times.length, 0);
    ctx.log(`soak: ${edits} edits in ${secondsSince(t0, lastAck)} s (${editFailures} failed)`);

    const expected = new Map<string, string>();
    for (const name of names) {
      const { data } = await api.get<{ data: Record<string, string> }>(paths.configMap(NS, name));
      for (const d of deploymentsOf(name)) expected.set(`${NS}/${d}`, configMapChecksum(name, data));
    }
    // A Deployment that never gets its final checksum is a lost rollout: report it, do not fail the soak.
    const convergedAt = await tracker
      .waitUntil(() => [...expected].every(([key, c]) => tracker.current.get(key)?.checksum === c), 'every soak Deployment to carry its final checksum', CONVERGE_TIMEOUT_MS)
      .catch(() => undefined);
    const behind = [...expected]
      .filter(([key, c]) => tracker.current.get(key)?.checksum !== c)
      .map(([key, c]) => ({ deployment: key, expected: c, actual: tracker.current.get(key)?.checksum ?? null }));
    ctx.log(`soak: ${behind.length === 0 ? 'converged' : `${behind.length} Deployment(s) without their final checksum after ${CONVERGE_TIMEOUT_MS / 1000} s`}; waiting for the churn namespaces to go`);
    const churnResult = await churn;
    await controllerIdle(controller);
    await tracker.waitUntil(() => [...tracker.current.values()].every((d) => d.observedGeneration >= d.generation), 'the deployment controller to observe every soak Deployment', 300_000);
    const requests = diffCounts(apiBefore, (await scrapeApiserver(api)).requests);
    const eventsByReporter = await countEventsByReporter(ctx, NS);
    const memory = readProcessMemory(controller.pid);
    const controllerRollouts = (await controller.metricValue('confighash_rollouts_total')) - rolloutsBefore;
    // Over the controller's whole life, like its log: it was started for the soak alone.
    const failedReconciles = await controller.metricValue('confighash_reconciles_total', { result: 'retry' });
    const watchHandlerErrors = await controller.metricValue('confighash_watch_handler_errors_total');
    await controller.stop();
    const logText = await readFile(join(ctx.resultsDir, 'logs', 'soak.log'), 'utf8');
    const log = logErrors(logText);

    const ideal = idealRollouts(ackTimes, soak.deploymentsPerConfigMap, quiet, IDEAL_MARGIN_MS);
    const trend = rssTrend(samples, soak.warmupS);
    const contentChanges = edits + churnResult.edits;
    const writes = writesByResource(requests);
    return {
      minutes,
      config_maps: soak.configMaps,
      deployments: deploymentCount,
      edits_per_second: soak.editsPerSecond,
      edits,
      edit_rate_per_s: round(edits / ((lastAck - t0) / 1000)),
      edit_failures: editFailures,
      edit_schedule: { seed: SEED, avoided_gap_s: [soak.avoidGapMs[0] / 1000, soak.avoidGapMs[1] / 1000] },
      edits_started_at: startedAt,
      edit_ack_times_s: Object.fromEntries([...ackTimes].map(([name, times]) => [name, times.map((t) => Math.round(t - t0) / 1000)])),
      churn: churnResult,
      content_changes: contentChanges,
      ...debounce,
      rss_sample_interval_s: soak.rssSampleIntervalS,
      rss_samples_mib: samples.map((s) => round(s.mib)),
      rss_sample_times_s: samples.map((s) => round(s.atS)),
      heap_used_samples_mib: heapSamples.sort((a, b) => a.atS - b.atS).map((h) => round(h.mib)),
      rss_warmup_s: soak.warmupS,
      rss_slope_mib_per_hour: trend.slope_mib_per_hour,
      rss_slope_stderr_mib_per_hour: trend.slope_stderr_mib_per_hour,
      rss_slope_samples: trend.samples,
      rss_slope_window_s: trend.window_s,
      peak_rss_mib: round(Math.max(memory?.hwmMib ?? 0, ...samples.map((s) => s.mib))),
      rss_after_settle_mib: round(memory?.rssMib ?? 0),
      rollouts: mainRollouts + churnResult.rollouts,
      ideal_rollouts: ideal.ideal + churnResult.ideal_rollouts,
      ideal_rollouts_range: [ideal.low + churnResult.ideal_rollouts, ideal.high + churnResult.ideal_rollouts],
      main_rollouts: mainRollouts,
      main_ideal_rollouts: ideal.ideal,
      controller_rollouts: controllerRollouts,
      replica_sets_created: [...tracker.current].reduce((n, [k, d]) => n + d.revision - (revisionsBefore.get(k) ?? d.revision), 0),
      errors: { ...log, failed_reconciles: failedReconciles, watch_handler_errors: watchHandlerErrors },
      writes,
      writes_per_change: perChange(writes, contentChanges),
      events_by_reporter: eventsByReporter,
      requests,
      converge_after_last_edit_s: convergedAt === undefined ? null : secondsSince(lastAck, convergedAt),
      deployments_behind: behind,
      decisions: decisionCounts(logText),
      controller_flags: flags,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await controller.stop();
    await tracker.stop();
    await records.stop();
  }
}


async function countEventsByReporter(ctx: BenchContext, ns: string): Promise<Record<string, number>> {
  const { items } = await ctx.api.listAll<{ reportingController?: string }>(paths.events(ns));
  const counts: Record<string, number> = {};
  for (const event of items) {
    const reporter = event.reportingController || '(none)';
    counts[reporter] = (counts[reporter] ?? 0) + 1;
  }
  return counts;
}
