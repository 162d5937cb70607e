import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfigStatus } from '../../src/api/appconfig.ts';
import { HMAC_SECRET_KEY, HMAC_SECRET_NAME } from '../../src/api/constants.ts';
import { hmacKeyId } from '../../src/core/checksum.ts';
import { diffCounts, recordWrites, scrapeApiserver, sumVerbs, workloadPatches, type ApiserverSnapshot, type RequestCounts } from '../apiserver-metrics.ts';
import { startController, secondsSince, sleep, withTimeout, type BenchContext } from '../context.ts';
import type { BenchController } from '../controller.ts';
import { controllerIdle, counterDelta, readCounters, type ControllerCounters } from '../controller-state.ts';
import { sourcesChecksum } from '../expected.ts';
import { deploymentView, type DeploymentObject, type DeploymentView } from '../kube/deployment-view.ts';
import { BENCH_LABEL, namespace, paths } from '../kube/objects.ts';
import { forEachLimited, withRetries } from '../kube/pool.ts';
import { adopted, recordedChecksum, recordTracker, type RecordView, type WorkloadRecordObject } from '../kube/record-view.ts';
import { Tracker } from '../kube/tracker.ts';
import type { KubeObject } from '../kube/watch.ts';
import { countObjects } from '../replica-sets.ts';
import { rolledSince } from '../peers/activity.ts';
import { scrapeActivity, watchActivity, type ApiserverActivity } from '../peers/activity-watch.ts';
import { withDeploymentAnnotations } from '../peers/opt-in.ts';
import { captureApiserverProfile } from '../apiserver-profile.ts';
import { cpuSecondsBetween, cpuSecondsOf } from '../process-cpu.ts';
import { readCpuSeconds, readProcessMemory } from '../rss.ts';
import { round } from '../stats.ts';
import {
  cronJobDeployment,
  cronJobName,
  deploymentName,
  scaleConfigMap,
  scaleCounts,
  scaleCreations,
  scaleNamespaces,
  scaleObjectBytes,
  scaleSecret,
  sourcesOfDeployment,
} from './scale-objects.ts';

export interface ScaleResult {
  objects: { configmaps: number; secrets: number; deployments: number; cronjobs: number; appconfigs: number; namespaces: number };
  object_bytes: Record<string, number>;
  create_s: number;
  /** After creating, until the deployment controller had made every ReplicaSet (it is limited to 20 requests/s). */
  deployment_controller_wait_s: number;
  controller_flags: string[];
  /** Spawn → /readyz 200 (the initial lists are in). */
  ready_s: number;
  /** Spawn → every scale Deployment and CronJob has a WorkloadRecord for its current UID and every AppConfig is Ready, current and settled. */
  convergence_s: number;
  /** Spawn → queue empty and counters still for 3 s. */
  settled_s: number;
  /** VmHWM of the controller process, MiB. */
  peak_rss_mib: number;
  /** VmRSS after the steady-state window, MiB. */
  steady_rss_mib: number;
  /** steady_rss_mib split into anonymous memory and file-backed pages (the node binary and libraries). */
  steady_rss_anon_mib: number;
  steady_rss_file_mib: number;
  rss_at_convergence_mib: number;
  /** V8 heap in use, reserved, and memory outside it (Buffers), from the controller's own metrics after the steady state. */
  heap_used_mib: number;
  heap_total_mib: number;
  external_mib: number;
  /** The same at convergence. */
  heap_at_convergence: { used_mib: number; total_mib: number; external_mib: number };
  cpu_s_to_settle: number;
  /** CPU seconds from spawn to settled of the controller (confighash) and of each control-plane process, with their total. */
  cpu_s_by_process_to_settle: Record<string, number>;
  /** With --apiserver-profile: the pprof file of kube-apiserver's CPU over the first APISERVER_PROFILE_S after spawn, or why none was taken. */
  apiserver_profile?: string;
  /** LIST requests for the six watched resource types during start-up (all pages). */
  lists: number;
  /** Σ over the six types of ceil(objects / 500): one LIST per page, none per event. */
  list_bound: number;
  objects_per_type: Record<string, number>;
  /** apiserver_request_total delta from spawn to settled, by "VERB resource[.group][/subresource]" (all clients). */
  requests: RequestCounts;
  /** WATCHes opened during start-up (apiserver_longrunning_requests delta). */
  watches_opened: RequestCounts;
  /** Requests in the `service-accounts` flow schema: the controller's ServiceAccount and no other client here. */
  controller_requests: number;
  startup_writes: { deployment_patches: number; status_patches: number; events: number };
  /** PATCHes to Deployments, StatefulSets, DaemonSets and CronJobs (not status) from spawn to settled, apiserver count: adoption writes none (goal 0). */
  startup_workload_writes: number;
  /** WorkloadRecord writes (POST, PUT, PATCH) from spawn to settled, apiserver count: one create per adopted workload. */
  startup_record_writes: number;
  controller_counters: ControllerCounters;
  steady_window_s: number;
  /** Writes to workloads, WorkloadRecords, AppConfigs, Events, ConfigMaps and Secrets in the steady window (apiserver count, goal 0). */
  steady_writes: number;
  steady_controller_counters: ControllerCounters;
  steady_controller_requests: number;
  steady_requests: RequestCounts;
  /**
   * Scale Deployments whose WorkloadRecord checksum (or, without a record for the current UID,
   * pod-template checksum) equals the checksum the core computes from the content the bench
   * created. The name is kept from when adoption wrote a baseline annotation: it counts records now.
   */
  baselines_correct: number;
  /** The same for the scale CronJobs (their records only). */
  cronjob_records_correct: number;
  heap_snapshot?: string;
  /** With --peers: metadata annotations on every scale Deployment that opt the peers in (confighash ignores them). */
  opt_in_annotations?: Record<string, string>;
  /** With --peers: the start-up as the apiserver saw it, measured as for the peers (bench/peers/activity-watch.ts). */
  apiserver_activity?: ApiserverActivity;
  /** With --peers: scale Deployments whose generation went up from the spawn until apiserver_activity was judged. */
  deployments_rolled?: number;
}

/** What --peers changes in the scale scenario. */
export interface ScaleOptions {
  deploymentAnnotations?: Record<string, string>;
  apiserverActivity?: { quietS: number; pollS: number; capS: number };
}

const WATCHED = ['configmaps', 'secrets', 'deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'cronjobs.batch', 'appconfigs.confighash.dev'] as const;
const WATCHED_PATHS: Record<(typeof WATCHED)[number], string> = {
  configmaps: '/api/v1/configmaps',
  secrets: '/api/v1/secrets',
  'deployments.apps': '/apis/apps/v1/deployments',
  'statefulsets.apps': '/apis/apps/v1/statefulsets',
  'daemonsets.apps': '/apis/apps/v1/daemonsets',
  'cronjobs.batch': paths.cronJobs(),
  'appconfigs.confighash.dev': paths.appConfigs(),
};
const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'];
/** Long enough to cover the start-up writes of the full scale (they end about 20 s after spawn). */
const APISERVER_PROFILE_S = 20;
const CONTROLLER_WRITES = /^((deployments|statefulsets|daemonsets)\.apps|cronjobs\.batch|(appconfigs|workloadrecords)\.confighash\.dev|appconfigs\.confighash\.dev\/status|events\.events\.k8s\.io|configmaps|secrets)$/;
export const SCALE_FLAGS = ['--all-namespaces'];

interface AppConfigObject extends KubeObject {
  status?: AppConfigStatus;
}

/** Ready, for the current generation, with both targets in sync or baselined. */
function appConfigConverged(ac: AppConfigObject): boolean {
  const status = ac.status;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  return (
    status?.observedGeneration === ac.metadata?.generation &&
    ready?.status === 'True' &&
    (status?.targets?.length ?? 0) > 0 &&
    (status?.targets ?? []).every((t) => t.reason === 'InSync' || t.reason === 'Baselined')
  );
}

/**
 * 10,000 ConfigMaps, 10,000 Secrets, 2,000 Deployments, 200 CronJobs and 1,000 AppConfigs in 20 namespaces,
 * then a cold start of the controller: convergence, memory, API cost and a steady state.
 */
export async function runScale(ctx: BenchContext, options: ScaleOptions = {}): Promise<ScaleResult> {
  const { api, profile } = ctx;
  const counts = scaleCounts(profile);
  const createdAt = performance.now();
  for (const ns of scaleNamespaces(profile)) await api.create(paths.namespaces, namespace(ns, 'scale'));
  let created = 0;
  const total = counts.total.configmaps + counts.total.secrets + counts.total.deployments + counts.total.cronjobs + counts.total.appconfigs;
  await forEachLimited(withDeploymentAnnotations(scaleCreations(profile), options.deploymentAnnotations ?? {}), profile.scale.createConcurrency, async ({ path, body }) => {
    await withRetries(() => api.create(path, body));
    created += 1;
    if (created % 5000 === 0) ctx.log(`scale: created ${created} of ${total} objects (${secondsSince(createdAt)} s)`);
  });
  const createS = secondsSince(createdAt);
  ctx.log(`scale: created ${total} objects in ${createS} s`);

  const selector = `${BENCH_LABEL}=scale`;
  const deployments = new Tracker<DeploymentObject, DeploymentView>({ api, collectionPath: paths.deployments(), labelSelector: selector, project: deploymentView });
  const appConfigs = new Tracker<AppConfigObject, boolean>({ api, collectionPath: paths.appConfigs(), labelSelector: selector, project: appConfigConverged });
  const cronJobs = new Tracker<KubeObject, Pick<DeploymentView, 'uid'>>({ api, collectionPath: paths.cronJobs(), labelSelector: selector, project: (c) => ({ uid: c.metadata?.uid ?? '' }) });
  const records = recordTracker(api);
  await deployments.start();
  await cronJobs.start();
  await appConfigs.start();
  await records.start();
  let controller: BenchController | undefined;
  try {
    // The deployment controller makes a ReplicaSet for each new Deployment: let it finish first.
    await deployments.waitUntil(
      () => deployments.current.size === counts.total.deployments && [...deployments.current.values()].every((d) => d.observedGeneration >= d.generation && d.revision >= 1),
      'the deployment controller to observe every scale Deployment',
      600_000,
    );
    const waitedForDeploymentController = Math.round((secondsSince(createdAt) - createS) * 1000) / 1000;
    await sleep(5000);

    // Deployments and CronJobs have distinct names (app-…, job-…), so one set holds both.
    const workload = (key: string) => deployments.current.get(key) ?? cronJobs.current.get(key);
    const deploymentConverged = (key: string): boolean => adopted(workload(key), records.current.get(key));
    const pendingDeployments = new Set([...deployments.current.keys(), ...cronJobs.current.keys()].filter((k) => !deploymentConverged(k)));
    const pendingAppConfigs = new Set([...appConfigs.current].filter(([, done]) => !done).map(([k]) => k));
    let markConverged!: (at: number) => void;
    const converged = new Promise<number>((resolve) => (markConverged = resolve));
    const check = (at: number): void => {
      if (pendingDeployments.size === 0 && pendingAppConfigs.size === 0) markConverged(at);
    };
    const recheckDeployment = (key: string, at: number): void => {
      if (workload(key) !== undefined && !deploymentConverged(key)) pendingDeployments.add(key);
      else pendingDeployments.delete(key);
      check(at);
    };
    deployments.onChange((key, _d, at) => recheckDeployment(key, at));
    cronJobs.onChange((key, _c, at) => recheckDeployment(key, at));
    records.onChange((key, _r, at) => recheckDeployment(key, at));
    appConfigs.onChange((key, done, at) => {
      if (done === false) pendingAppConfigs.add(key);
      else pendingAppConfigs.delete(key);
      check(at);
    });

    const before = await scrapeApiserver(api);
    const activityBefore = options.apiserverActivity ? await scrapeActivity(api) : undefined;
    const generationsAtSpawn = new Map([...deployments.current].map(([key, view]) => [key, view.generation]));
    const heapFlags = ctx.heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${ctx.profilesDir}`] : [];
    const controlPlanePids = ctx.controlPlanePids?.() ?? {};
    const controlPlaneCpuAtSpawn = cpuSecondsOf(controlPlanePids);
    controller = await startController(ctx, 'scale', SCALE_FLAGS, heapFlags);
    const pid = controller.pid;
    const apiserverProfile = ctx.apiserverProfile ? captureApiserverProfile(api, ctx.profilesDir, 'kube-apiserver-scale.pprof', APISERVER_PROFILE_S) : undefined;
    // A profile that cannot be taken is reported in its field; it never costs the scenario.
    const apiserverProfileOutcome = apiserverProfile?.catch((error: unknown) => `not taken: ${error instanceof Error ? error.message : String(error)}`);
    const spawned = controller;
    const activity = options.apiserverActivity && activityBefore
      ? watchActivity(api, {
          startedAt: spawned.spawnedAt,
          before: activityBefore,
          pid,
          quietMs: options.apiserverActivity.quietS * 1000,
          capMs: options.apiserverActivity.capS * 1000,
          pollMs: options.apiserverActivity.pollS * 1000,
          exited: () => readProcessMemory(pid) === undefined,
        }).then((a) => ({ a, rolled: rolledSince(generationsAtSpawn, deployments.current) }))
      : undefined;
    activity?.catch(() => undefined);
    let sampledPeak = 0;
    const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, readProcessMemory(pid)?.rssMib ?? 0)), 100);
    try {
      const readyAt = await controller.ready(300_000);
      const convergedAt = await withTimeout(converged, 600_000, () => `no convergence within 600 s: ${pendingDeployments.size} Deployments and CronJobs and ${pendingAppConfigs.size} AppConfigs pending`);
      const rssAtConvergence = readProcessMemory(pid)?.rssMib ?? 0;
      const heapAtConvergence = await heapFigures(controller);
      const settledAt = await controllerIdle(controller);
      const cpuToSettle = readCpuSeconds(pid) ?? 0;
      const cpuByProcess = cpuSecondsBetween(controlPlaneCpuAtSpawn, { ...cpuSecondsOf(controlPlanePids), confighash: cpuToSettle });
      const after = await scrapeApiserver(api);
      const startupCounters = await readCounters(controller);
      const startup = diff(before, after);
      // Before the bench's own LISTs below, which would read as the controller's.
      const measured = activity ? await activity : undefined;
      // Counted after the start-up window (these LISTs must not count), and after the controller made its HMAC key Secret.
      const objectsPerType: Record<string, number> = {};
      for (const type of WATCHED) objectsPerType[type] = await countObjects(api, WATCHED_PATHS[type]);
      const listBound = Object.values(objectsPerType).reduce((sum, n) => sum + Math.max(1, Math.ceil(n / 500)), 0);
      ctx.log(`scale: converged in ${secondsSince(controller.spawnedAt, convergedAt)} s, settled in ${secondsSince(controller.spawnedAt, settledAt)} s`);

      const window = profile.scale.steadyWindowS;
      const steadyBefore = await scrapeApiserver(api);
      await sleep(window * 1000);
      const steadyAfter = await scrapeApiserver(api);
      const steady = diff(steadyBefore, steadyAfter);
      const endCounters = await readCounters(controller);
      const memory = readProcessMemory(pid);
      const heap = await heapFigures(controller);
      const heapSnapshot = ctx.heapSnapshot ? await takeHeapSnapshot(ctx, controller) : undefined;

      return {
        objects: { ...counts.total, namespaces: profile.scale.namespaces },
        object_bytes: scaleObjectBytes(profile),
        create_s: createS,
        deployment_controller_wait_s: waitedForDeploymentController,
        controller_flags: SCALE_FLAGS,
        ready_s: secondsSince(controller.spawnedAt, readyAt),
        convergence_s: secondsSince(controller.spawnedAt, convergedAt),
        settled_s: secondsSince(controller.spawnedAt, settledAt),
        peak_rss_mib: round(Math.max(memory?.hwmMib ?? 0, sampledPeak)),
        steady_rss_mib: round(memory?.rssMib ?? 0),
        steady_rss_anon_mib: round(memory?.anonMib ?? 0),
        steady_rss_file_mib: round(memory?.fileMib ?? 0),
        rss_at_convergence_mib: round(rssAtConvergence),
        heap_used_mib: heap.used_mib,
        heap_total_mib: heap.total_mib,
        external_mib: heap.external_mib,
        heap_at_convergence: heapAtConvergence,
        cpu_s_to_settle: round(cpuToSettle),
        cpu_s_by_process_to_settle: cpuByProcess,
        ...(apiserverProfileOutcome ? { apiserver_profile: await apiserverProfileOutcome } : {}),
        lists: sumVerbs(startup.requests, ['LIST'], new RegExp(`^(${WATCHED.map((w) => w.replaceAll('.', '\\.')).join('|')})$`)),
        list_bound: listBound,
        objects_per_type: objectsPerType,
        requests: startup.requests,
        watches_opened: startup.longRunning,
        controller_requests: startup.byFlowSchema['service-accounts'] ?? 0,
        startup_writes: {
          deployment_patches: startup.requests['PATCH deployments.apps'] ?? 0,
          status_patches: startup.requests['PATCH appconfigs.confighash.dev/status'] ?? 0,
          events: startup.requests['POST events.events.k8s.io'] ?? 0,
        },
        startup_workload_writes: workloadPatches(startup.requests),
        startup_record_writes: recordWrites(startup.requests),
        controller_counters: startupCounters,
        steady_window_s: window,
        steady_writes: sumVerbs(steady.requests, WRITE_VERBS, CONTROLLER_WRITES),
        steady_controller_counters: counterDelta(startupCounters, endCounters),
        steady_controller_requests: steady.byFlowSchema['service-accounts'] ?? 0,
        steady_requests: steady.requests,
        baselines_correct: await countCorrectRecords(ctx, deployments, records),
        cronjob_records_correct: await countCorrectCronJobRecords(ctx, cronJobs, records),
        ...(heapSnapshot ? { heap_snapshot: heapSnapshot } : {}),
        ...(options.deploymentAnnotations ? { opt_in_annotations: options.deploymentAnnotations } : {}),
        ...(measured ? { apiserver_activity: measured.a, deployments_rolled: measured.rolled } : {}),
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await controller?.stop();
    await deployments.stop();
    await cronJobs.stop();
    await appConfigs.stop();
    await records.stop();
  }
}

async function heapFigures(controller: BenchController): Promise<{ used_mib: number; total_mib: number; external_mib: number }> {
  const mib = async (name: string): Promise<number> => round((await controller.metricValue(name)) / 2 ** 20);
  return { used_mib: await mib('nodejs_heap_size_used_bytes'), total_mib: await mib('nodejs_heap_size_total_bytes'), external_mib: await mib('nodejs_external_memory_bytes') };
}

function diff(before: ApiserverSnapshot, after: ApiserverSnapshot): ApiserverSnapshot {
  return {
    requests: diffCounts(before.requests, after.requests),
    longRunning: diffCounts(before.longRunning, after.longRunning),
    byFlowSchema: diffCounts(before.byFlowSchema, after.byFlowSchema),
  };
}

/** The checksum the core computes for each scale Deployment from the content the bench created, with the install's HMAC key, by "namespace/app-NNNN". */
async function expectedDeploymentChecksums(ctx: BenchContext): Promise<Map<string, string>> {
  const hmacSecret = await ctx.api.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/confighash-system/secrets/${HMAC_SECRET_NAME}`);
  const key = Buffer.from(hmacSecret.data?.[HMAC_SECRET_KEY] ?? '', 'base64');
  const keyId = hmacKeyId(key);
  const { perNamespace } = scaleCounts(ctx.profile);
  const expected = new Map<string, string>();
  for (const ns of scaleNamespaces(ctx.profile)) {
    const configMaps = Array.from({ length: perNamespace.configMaps }, (_, i) => scaleConfigMap(ns, i, ctx.profile));
    const secrets = Array.from({ length: perNamespace.secrets }, (_, i) => scaleSecret(ns, i, ctx.profile));
    const byName = <T extends { metadata: { name: string } }>(items: T[]) => new Map(items.map((o) => [o.metadata.name, o]));
    const cms = byName(configMaps);
    const ss = byName(secrets);
    for (let i = 0; i < perNamespace.deployments; i++) {
      const sources = sourcesOfDeployment(i);
      const checksum = sourcesChecksum(
        sources.configMaps.map((name) => ({ name, data: cms.get(name)?.data ?? {} })),
        sources.secrets.map((name) => ({ name, data: ss.get(name)?.data ?? {} })),
        key,
        keyId,
      );
      expected.set(`${ns}/${deploymentName(i)}`, checksum);
    }
  }
  return expected;
}

/** Scale Deployments whose recorded checksum is the one the core computes from the content the bench created. */
async function countCorrectRecords(
  ctx: BenchContext,
  deployments: Tracker<DeploymentObject, DeploymentView>,
  records: Tracker<WorkloadRecordObject, RecordView>,
): Promise<number> {
  let correct = 0;
  for (const [workload, expected] of await expectedDeploymentChecksums(ctx)) {
    const view = deployments.current.get(workload);
    if (view && recordedChecksum(view, records.current.get(workload)) === expected) correct += 1;
  }
  return correct;
}

/** Scale CronJobs whose record holds the checksum of the Deployment whose sources they read. */
async function countCorrectCronJobRecords(
  ctx: BenchContext,
  cronJobs: Tracker<KubeObject, Pick<DeploymentView, 'uid'>>,
  records: Tracker<WorkloadRecordObject, RecordView>,
): Promise<number> {
  const expected = await expectedDeploymentChecksums(ctx);
  const { perNamespace } = scaleCounts(ctx.profile);
  let correct = 0;
  for (const ns of scaleNamespaces(ctx.profile)) {
    for (let c = 0; c < perNamespace.cronJobs; c++) {
      const key = `${ns}/${cronJobName(c)}`;
      const record = records.current.get(key);
      if (adopted(cronJobs.current.get(key), record) && record?.checksum === expected.get(`${ns}/${deploymentName(cronJobDeployment(c))}`)) correct += 1;
    }
  }
  return correct;
}

/** SIGUSR2 makes the controller (started with --heapsnapshot-signal) write a snapshot into the profiles directory. */
async function takeHeapSnapshot(ctx: BenchContext, controller: BenchController): Promise<string> {
  await mkdir(ctx.profilesDir, { recursive: true });
  const existing = new Set(await readdir(ctx.profilesDir));
  controller.signal('SIGUSR2');
  let last = -1;
  for (let i = 0; i < 240; i++) {
    await sleep(1000);
    const fresh = (await readdir(ctx.profilesDir)).find((f) => f.endsWith('.heapsnapshot') && !existing.has(f));
    if (!fresh) continue;
    const size = (await stat(join(ctx.profilesDir, fresh))).size;
    if (size > 0 && size === last) return join(ctx.profilesDir, fresh);
    last = size;
  }
  return 'not written within 240 s';
}
