import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { startController, sleep, type BenchContext } from '../context.ts';
import { configMapChecksum } from '../expected.ts';
import { startFloorClient } from '../floor-client.ts';
import { deploymentView, type DeploymentObject, type DeploymentView } from '../kube/deployment-view.ts';
import { appConfig, configMap, deployment, namespace, paths } from '../kube/objects.ts';
import { adopted, recordTracker } from '../kube/record-view.ts';
import { Tracker } from '../kube/tracker.ts';
import { readProcessMemory } from '../rss.ts';
import { distribution, round, type Distribution } from '../stats.ts';

export interface LatencyResult {
  edits: number;
  warmup_edits: number;
  pause_ms: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
  floor_p50_ms: number;
  floor_p90_ms: number;
  floor_p99_ms: number;
  floor_max_ms: number;
  floor_mean_ms: number;
  /** p99 / floor p99; the goal is ≤ 2. */
  p99_ratio: number;
  p50_ratio: number;
  controller_flags: string[];
  controller_template_patches: number;
  floor_patches: number;
  configmap_bytes: number;
  /** The controller's VmRSS / VmHWM after the edits, with next to nothing to watch: its floor. */
  controller_rss_mib: number;
  controller_peak_rss_mib: number;
}

const NS = 'bench-latency';
const CONTROLLER_CM = 'latency-controller-config';
const FLOOR_CM = 'latency-floor-config';
const CONTROLLER_DEPLOYMENT = 'latency-controller';
const FLOOR_DEPLOYMENT = 'latency-floor';

/**
 * Edit → checksum visible on the Deployment, for confighash (--debounce 0) and for the floor
 * client, alternating one edit each and waiting until it is seen before the next, so the two
 * never compete and both see the same machine.
 */
export async function runLatency(ctx: BenchContext): Promise<LatencyResult> {
  const { api, profile } = ctx;
  const { edits, warmupEdits, pauseMs } = profile.latency;
  const bytes = profile.sizes.configMapBytes;
  const controllerCm = configMap(NS, CONTROLLER_CM, 'latency', bytes);
  const floorCm = configMap(NS, FLOOR_CM, 'latency', bytes);
  await api.create(paths.namespaces, namespace(NS, 'latency'));
  await api.create(paths.configMaps(NS), controllerCm);
  await api.create(paths.configMaps(NS), floorCm);
  await api.create(paths.deployments(NS), deployment(NS, CONTROLLER_DEPLOYMENT, 'latency', { envFromConfigMaps: [CONTROLLER_CM] }, { revisionHistoryLimit: 2 }));
  await api.create(paths.deployments(NS), deployment(NS, FLOOR_DEPLOYMENT, 'latency', { envFromConfigMaps: [FLOOR_CM] }, { revisionHistoryLimit: 2, templateAnnotations: { [CHECKSUM_ANNOTATION]: 'none' } }));
  await api.create(paths.appConfigs(NS), appConfig(NS, 'latency', 'latency', { configMaps: [CONTROLLER_CM], deployments: [CONTROLLER_DEPLOYMENT] }));

  const tracker = new Tracker<DeploymentObject, DeploymentView>({ api, collectionPath: paths.deployments(NS), project: deploymentView });
  await tracker.start();
  const records = recordTracker(api, NS);
  await records.start();
  const flags = ['--all-namespaces', '--debounce', '0'];
  const controller = await startController(ctx, 'latency', flags);
  const floor = await startFloorClient(api, NS, FLOOR_CM, FLOOR_DEPLOYMENT);
  try {
    await controller.ready();
    const key = `${NS}/${CONTROLLER_DEPLOYMENT}`;
    await records.waitUntil(() => adopted(tracker.current.get(key), records.current.get(key)), 'a WorkloadRecord for the latency Deployment');
    const measure = async (cm: typeof controllerCm, target: string, revision: string): Promise<number> => {
      const expected = configMapChecksum(cm.metadata.name, { ...cm.data, revision });
      const seen = tracker.waitUntil(() => tracker.current.get(`${NS}/${target}`)?.checksum === expected, `checksum ${expected} on ${target} (floor patches failed so far: ${floor.failed})`, 30_000);
      const sentAt = performance.now();
      await api.patch(paths.configMap(NS, cm.metadata.name), 'merge', { data: { revision } });
      return (await seen) - sentAt;
    };
    const controllerMs: number[] = [];
    const floorMs: number[] = [];
    for (let i = -warmupEdits; i < edits; i++) {
      const c = await measure(controllerCm, CONTROLLER_DEPLOYMENT, `edit-${i}`);
      await sleep(pauseMs);
      const f = await measure(floorCm, FLOOR_DEPLOYMENT, `edit-${i}`);
      await sleep(pauseMs);
      if (i < 0) continue;
      controllerMs.push(c);
      floorMs.push(f);
    }
    ctx.log(`latency: ${edits} edits each, after ${warmupEdits} warm-up edits`);
    const memory = readProcessMemory(controller.pid);
    const mine = rounded(distribution(controllerMs));
    const base = rounded(distribution(floorMs));
    return {
      edits,
      warmup_edits: warmupEdits,
      pause_ms: pauseMs,
      p50_ms: mine.p50,
      p90_ms: mine.p90,
      p99_ms: mine.p99,
      max_ms: mine.max,
      mean_ms: mine.mean,
      floor_p50_ms: base.p50,
      floor_p90_ms: base.p90,
      floor_p99_ms: base.p99,
      floor_max_ms: base.max,
      floor_mean_ms: base.mean,
      p99_ratio: round(mine.p99 / base.p99),
      p50_ratio: round(mine.p50 / base.p50),
      controller_flags: flags,
      controller_template_patches: await controller.metricValue('confighash_patches_total', { type: 'template' }),
      floor_patches: floor.sent,
      configmap_bytes: JSON.stringify(controllerCm).length,
      controller_rss_mib: round(memory?.rssMib ?? 0),
      controller_peak_rss_mib: round(memory?.hwmMib ?? 0),
    };
  } finally {
    await floor.stop();
    await controller.stop();
    await tracker.stop();
    await records.stop();
  }
}

function rounded(d: Distribution): Distribution {
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, round(v)])) as unknown as Distribution;
}
