import { diffCounts, recordWrites, scrapeApiserver, sumVerbs, type RequestCounts } from '../apiserver-metrics.ts';
import { startController, secondsSince, settled, type BenchContext } from '../context.ts';
import { controllerIdle, readCounters, type ControllerCounters } from '../controller-state.ts';
import { deploymentView, type DeploymentObject, type DeploymentView } from '../kube/deployment-view.ts';
import { BENCH_LABEL, paths } from '../kube/objects.ts';
import { Tracker } from '../kube/tracker.ts';
import { replicaSetsByOwner } from '../replica-sets.ts';
import { SCALE_FLAGS } from './scale.ts';

export interface RestartResult {
  /** Deployments of every scenario that the restarted controller found. */
  deployments: number;
  controller_flags: string[];
  /** PATCHes to workloads and AppConfigs (incl. status) the apiserver counted from spawn to settled (goal 0). */
  patches: number;
  /** New ReplicaSets owned by bench Deployments (goal 0). */
  rollouts: number;
  revision_increments: number;
  controller_counters: ControllerCounters;
  ready_s: number;
  settled_s: number;
  requests: RequestCounts;
  /** Writes to workloads, AppConfigs (incl. status) and Events from spawn to settled. */
  writes: number;
  /** WorkloadRecord writes from spawn to settled (apiserver count): a restart with nothing changed needs none. */
  record_writes: number;
}

const PATCHED = /^((deployments|statefulsets|daemonsets)\.apps|appconfigs\.confighash\.dev(\/status)?)$/;

/**
 * A restart with nothing changed, on everything the earlier scenarios left (the scale
 * objects above all): the controller must catch up without a single write.
 */
export async function runRestart(ctx: BenchContext): Promise<RestartResult> {
  const { api } = ctx;
  const deployments = new Tracker<DeploymentObject, DeploymentView>({ api, collectionPath: paths.deployments(), labelSelector: BENCH_LABEL, project: deploymentView });
  await deployments.start();
  const revisionsBefore = new Map([...deployments.current].map(([k, d]) => [k, d.revision]));
  const rsBefore = await replicaSetsByOwner(api);
  const before = await scrapeApiserver(api);
  const controller = await startController(ctx, 'restart', SCALE_FLAGS);
  try {
    const readyAt = await controller.ready(300_000);
    const settledAt = await controllerIdle(controller);
    const after = await scrapeApiserver(api);
    const counters = await readCounters(controller);
    const requests = diffCounts(before.requests, after.requests);
    // Let the deployment controller act on anything that was written before counting.
    await deployments.waitUntil(
      () => [...deployments.current.values()].every((d) => d.observedGeneration >= d.generation),
      'the deployment controller to observe every bench Deployment',
      300_000,
    );
    const rsAfter = await settled(() => replicaSetsByOwner(api).then((m) => [...m.entries()].sort()), 'the ReplicaSets');
    const uids = new Set([...deployments.current.values()].map((d) => d.uid));
    const rollouts = rsAfter.filter(([uid]) => uids.has(uid)).reduce((sum, [uid, n]) => sum + n - (rsBefore.get(uid) ?? 0), 0);
    const revisionIncrements = [...deployments.current].reduce((sum, [k, d]) => sum + d.revision - (revisionsBefore.get(k) ?? d.revision), 0);
    return {
      deployments: deployments.current.size,
      controller_flags: SCALE_FLAGS,
      patches: sumVerbs(requests, ['PATCH'], PATCHED),
      rollouts,
      revision_increments: revisionIncrements,
      controller_counters: counters,
      ready_s: secondsSince(controller.spawnedAt, readyAt),
      settled_s: secondsSince(controller.spawnedAt, settledAt),
      requests,
      writes: sumVerbs(requests, ['POST', 'PUT', 'PATCH', 'DELETE'], /^((deployments|statefulsets|daemonsets)\.apps|appconfigs\.confighash\.dev(\/status)?|events\.events\.k8s\.io)$/),
      record_writes: recordWrites(requests),
    };
  } finally {
    await controller.stop();
    await deployments.stop();
  }
}
