import { recordWrites, scrapeApiserver, workloadPatches } from '../apiserver-metrics.ts';
import { startController, secondsSince, settled, sleep, type BenchContext } from '../context.ts';
import { debounceSettings, type DebounceSettings } from '../debounce.ts';
import { configMapChecksum } from '../expected.ts';
import { deploymentView, type DeploymentObject, type DeploymentView } from '../kube/deployment-view.ts';
import { appConfig, configMap, deployment, namespace, paths } from '../kube/objects.ts';
import { forEachLimited, withRetries } from '../kube/pool.ts';
import { adopted, recordTracker } from '../kube/record-view.ts';
import { Tracker } from '../kube/tracker.ts';
import { replicaSetsByOwner } from '../replica-sets.ts';
import { round } from '../stats.ts';

export interface BurstResult extends DebounceSettings {
  edits: number;
  config_maps: number;
  affected_workloads: number;
  /** From the first edit sent to the last one acknowledged. */
  edit_span_s: number;
  /** The same span under the issue's name: it must stay below debounce_max_s, or one more rollout per workload is due. */
  span_s: number;
  /**
   * ⌊span of one ConfigMap's edits / debounce_s⌋ + 1, the most over all ConfigMaps: the bound of
   * the old fixed debounce window, kept to compare with earlier runs.
   */
  windows: number;
  /** Template PATCHes confighash sent (confighash_patches_total{type="template"} delta). */
  patches: number;
  /** PATCHes to Deployments the apiserver counted in the same time (all field managers). */
  apiserver_deployment_patches: number;
  /** WorkloadRecord writes the apiserver counted in the same time: one per template PATCH is expected. */
  record_writes: number;
  /** New ReplicaSets owned by the affected Deployments. */
  rollouts: number;
  /** The same, under the issue's name; the goal is rollouts_total ≤ affected_workloads. */
  rollouts_total: number;
  /** Sum of the deployment.kubernetes.io/revision increments: must equal rollouts. */
  revision_increments: number;
  controller_rollouts: number;
  min_rollouts_per_deployment: number;
  mean_rollouts_per_deployment: number;
  max_rollouts_per_deployment: number;
  /** The same, under the issue's name: 1 when the quiet period outlasts the burst's gaps. */
  rollouts_per_workload_max: number;
  /**
   * Checksum changes seen on one Deployment (one per template PATCH). Can exceed its new
   * ReplicaSets: two patches before the deployment controller syncs make one ReplicaSet.
   */
  max_patches_per_deployment: number;
  /** Deployments with more than one template patch or more than one rollout from the burst (goal 0). */
  deployments_over_goal: number;
  /** From the last edit acknowledged until every Deployment carries the final checksum. */
  converge_after_last_edit_s: number;
  controller_flags: string[];
}

const NS = 'bench-burst';

/**
 * 1,000 content edits in 8 s over 50 ConfigMaps read by 100 Deployments, with the controller's
 * default debounce. The edits span less than the default longest wait (10 s), so a quiet period
 * that restarts on every change rolls each Deployment once.
 */
export async function runBurst(ctx: BenchContext): Promise<BurstResult> {
  const { api, profile } = ctx;
  const { configMaps: cmCount, deploymentsPerConfigMap, edits, durationS } = profile.burst;
  const cms = Array.from({ length: cmCount }, (_, i) => configMap(NS, `burst-config-${pad(i)}`, 'burst', profile.sizes.configMapBytes));
  const deploymentsOf = (i: number): string[] => Array.from({ length: deploymentsPerConfigMap }, (_, j) => `burst-app-${pad(i)}-${j}`);
  await api.create(paths.namespaces, namespace(NS, 'burst'));
  await forEachLimited(cms.keys(), 8, async (i) => {
    const cm = cms[i];
    if (!cm) return;
    await withRetries(() => api.create(paths.configMaps(NS), cm));
    for (const name of deploymentsOf(i)) {
      // Enough history that no ReplicaSet of the burst is garbage-collected before it is counted.
      await withRetries(() => api.create(paths.deployments(NS), deployment(NS, name, 'burst', { envFromConfigMaps: [cm.metadata.name] }, { revisionHistoryLimit: 1000 })));
    }
    await withRetries(() => api.create(paths.appConfigs(NS), appConfig(NS, cm.metadata.name, 'burst', { configMaps: [cm.metadata.name] })));
  });
  const affected = cmCount * deploymentsPerConfigMap;

  const tracker = new Tracker<DeploymentObject, DeploymentView>({ api, collectionPath: paths.deployments(NS), project: deploymentView });
  await tracker.start();
  const records = recordTracker(api, NS);
  await records.start();
  // No --debounce: the burst measures the default.
  const flags = ['--all-namespaces'];
  const debounce = debounceSettings(flags);
  const controller = await startController(ctx, 'burst', flags);
  try {
    await controller.ready();
    await records.waitUntil(
      () => [...tracker.current].filter(([key, d]) => adopted(d, records.current.get(key))).length === affected,
      'a WorkloadRecord for every burst Deployment',
      120_000,
    );
    // The deployment controller sets the revision annotation after making the first ReplicaSet,
    // and at 20 requests/s it may still be behind the adoption: wait for it, or the first
    // revision would count as a rollout of the burst.
    await tracker.waitUntil(
      () => [...tracker.current.values()].every((d) => d.revision >= 1 && d.observedGeneration >= d.generation),
      'the deployment controller to observe every burst Deployment before the burst',
      300_000,
    );
    const before = await settled(() => replicaSetsByOwner(api, NS).then((m) => [...m.entries()].sort()), 'the burst ReplicaSets');
    const rsBefore = new Map(before);
    const revisionsBefore = new Map([...tracker.current].map(([k, d]) => [k, d.revision]));
    const patchesBefore = await controller.metricValue('confighash_patches_total', { type: 'template' });
    const rolloutsBefore = await controller.metricValue('confighash_rollouts_total');
    const apiBefore = (await scrapeApiserver(api)).requests;
    // Every template patch changes the checksum, and a watch delivers every change.
    const templateChanges = new Map<string, number>();
    const lastChecksum = new Map([...tracker.current].map(([k, d]) => [k, d.checksum]));
    tracker.onChange((key, view) => {
      if (!view || view.checksum === lastChecksum.get(key)) return;
      lastChecksum.set(key, view.checksum);
      templateChanges.set(key, (templateChanges.get(key) ?? 0) + 1);
    });

    // Edit k goes to ConfigMap k mod n at start + k × interval; up to 32 requests in flight.
    const intervalMs = (durationS * 1000) / edits;
    const lastRevision = new Map<string, string>();
    const firstSent = new Map<string, number>();
    const lastSent = new Map<string, number>();
    const inFlight = new Set<Promise<unknown>>();
    const start = performance.now();
    let lastAck = start;
    for (let k = 0; k < edits; k++) {
      const wait = start + k * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      while (inFlight.size >= 32) await Promise.race(inFlight);
      const cm = cms[k % cmCount];
      if (!cm) continue;
      const revision = `burst-${k}`;
      const name = cm.metadata.name;
      lastRevision.set(name, revision);
      const now = performance.now();
      if (!firstSent.has(name)) firstSent.set(name, now);
      lastSent.set(name, now);
      const request = withRetries(() => api.patch(paths.configMap(NS, name), 'merge', { data: { revision } })).then(() => (lastAck = Math.max(lastAck, performance.now())));
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    await Promise.all(inFlight);
    const editSpanS = secondsSince(start, lastAck);
    const overCap = debounce.debounce_max_s > 0 && editSpanS >= debounce.debounce_max_s;
    ctx.log(`burst: ${edits} edits sent in ${editSpanS} s${overCap ? `, NOT below the longest debounce wait (${debounce.debounce_max_s} s)` : ''}`);

    const expected = new Map<string, string>();
    cms.forEach((cm, i) => {
      const checksum = configMapChecksum(cm.metadata.name, { ...cm.data, revision: lastRevision.get(cm.metadata.name) ?? '0' });
      for (const name of deploymentsOf(i)) expected.set(`${NS}/${name}`, checksum);
    });
    const convergedAt = await tracker.waitUntil(
      () => [...expected].every(([key, checksum]) => tracker.current.get(key)?.checksum === checksum),
      'every burst Deployment to carry its final checksum',
      120_000,
    );
    // The record is written after the template: count record writes only once every one has landed.
    await records.waitUntil(
      () => [...expected].every(([key, checksum]) => records.current.get(key)?.checksum === checksum),
      'every burst WorkloadRecord to hold the final checksum',
      60_000,
    );
    // The deployment controller (20 requests/s) may still be working through the patches:
    // count only once it has observed every Deployment's latest template.
    await tracker.waitUntil(
      () => [...expected.keys()].every((key) => { const d = tracker.current.get(key); return d !== undefined && d.observedGeneration >= d.generation; }),
      'the deployment controller to observe every burst Deployment',
      300_000,
    );
    const after = new Map(await settled(() => replicaSetsByOwner(api, NS).then((m) => [...m.entries()].sort()), 'the burst ReplicaSets'));
    const apiAfter = (await scrapeApiserver(api)).requests;
    const perDeployment = cms.flatMap((cm, i) => {
      const windows = Math.floor(((lastSent.get(cm.metadata.name) ?? 0) - (firstSent.get(cm.metadata.name) ?? 0)) / Math.max(1, debounce.debounce_s * 1000)) + 1;
      return deploymentsOf(i).map((name) => {
        const view = tracker.current.get(`${NS}/${name}`);
        const rollouts = (after.get(view?.uid ?? '') ?? 0) - (rsBefore.get(view?.uid ?? '') ?? 0);
        const revisions = (view?.revision ?? 0) - (revisionsBefore.get(`${NS}/${name}`) ?? 0);
        return { rollouts, revisions, windows, patches: templateChanges.get(`${NS}/${name}`) ?? 0 };
      });
    });
    const rollouts = perDeployment.map((d) => d.rollouts);
    const rolloutsTotal = rollouts.reduce((a, b) => a + b, 0);
    return {
      edits,
      config_maps: cmCount,
      affected_workloads: affected,
      edit_span_s: editSpanS,
      span_s: editSpanS,
      ...debounce,
      windows: Math.max(...perDeployment.map((d) => d.windows)),
      patches: (await controller.metricValue('confighash_patches_total', { type: 'template' })) - patchesBefore,
      apiserver_deployment_patches: workloadPatches(apiAfter) - workloadPatches(apiBefore),
      record_writes: recordWrites(apiAfter) - recordWrites(apiBefore),
      rollouts: rolloutsTotal,
      rollouts_total: rolloutsTotal,
      revision_increments: perDeployment.reduce((a, d) => a + d.revisions, 0),
      controller_rollouts: (await controller.metricValue('confighash_rollouts_total')) - rolloutsBefore,
      min_rollouts_per_deployment: Math.min(...rollouts),
      mean_rollouts_per_deployment: round(rollouts.reduce((a, b) => a + b, 0) / rollouts.length),
      max_rollouts_per_deployment: Math.max(...rollouts),
      rollouts_per_workload_max: Math.max(...rollouts),
      max_patches_per_deployment: Math.max(...perDeployment.map((d) => d.patches)),
      deployments_over_goal: perDeployment.filter((d) => Math.max(d.rollouts, d.patches) > 1).length,
      converge_after_last_edit_s: secondsSince(lastAck, convergedAt),
      controller_flags: flags,
    };
  } finally {
    await controller.stop();
    await tracker.stop();
    await records.stop();
  }
}

function pad(i: number): string {
  return String(i).padStart(3, '0');
}
