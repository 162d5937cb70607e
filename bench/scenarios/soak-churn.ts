import { sleep, type BenchContext } from '../context.ts';
import { configMapChecksum } from '../expected.ts';
import { idealRollouts } from '../ideal-rollouts.ts';
import { ApiError } from '../kube/api.ts';
import { deploymentView, type DeploymentObject, type DeploymentView } from '../kube/deployment-view.ts';
import { appConfig, BENCH_LABEL, configMap, deployment, namespace, paths } from '../kube/objects.ts';
import { withRetries } from '../kube/pool.ts';
import { adopted, recordTracker } from '../kube/record-view.ts';
import { Tracker } from '../kube/tracker.ts';
import type { QuietPeriod } from '../../src/queue/due-time.ts';

export interface ChurnResult {
  /** Namespaces created, each with one ConfigMap, one Deployment reading it and one AppConfig. */
  namespaces: number;
  every_s: number;
  /** Created namespaces whose Deployment had no WorkloadRecord for its UID within 60 s. */
  not_adopted: number;
  /** Content edits of the churn ConfigMaps (one per namespace, once adopted). */
  edits: number;
  /** Edits whose new checksum did not reach the Deployment's pod template within 60 s. */
  not_rolled: number;
  /** Pod-template checksum changes of churn Deployments seen by the bench's watch, deletion included. */
  rollouts: number;
  /** One per edit: each churn ConfigMap is edited once and read by one Deployment. */
  ideal_rollouts: number;
  /** From the last deletion until every churn namespace was gone (the namespace controller's work). */
  gone_after_s: number;
}

const SCENARIO = 'soak-churn';
const PHASE_TIMEOUT_MS = 60_000;

/**
 * Namespaces that come and go during the soak: every `everyMs` one is created with a
 * ConfigMap, a Deployment and an AppConfig, left to be adopted, edited once (a rollout),
 * and deleted `everyMs` later. The controller must forget everything it held about them,
 * or its memory grows with every namespace that ever existed.
 */
export async function runNamespaceChurn(ctx: BenchContext, opts: { startAt: number; endAt: number; everyMs: number; configMapBytes: number; quiet: QuietPeriod }): Promise<ChurnResult> {
  const { api } = ctx;
  const deployments = new Tracker<DeploymentObject, DeploymentView>({ api, collectionPath: paths.deployments(), labelSelector: `${BENCH_LABEL}=${SCENARIO}`, project: deploymentView });
  const records = recordTracker(api);
  await deployments.start();
  await records.start();
  const lastChecksum = new Map<string, string | undefined>();
  let rollouts = 0;
  deployments.onChange((key, view) => {
    if (view && view.checksum !== undefined && view.checksum !== lastChecksum.get(key)) rollouts += 1;
    if (view) lastChecksum.set(key, view.checksum);
  });
  const editTimes = new Map<string, number[]>();
  let notAdopted = 0;
  let notRolled = 0;

  const lifeOf = async (ns: string): Promise<void> => {
    const cm = configMap(ns, 'churn-config', SCENARIO, opts.configMapBytes);
    await withRetries(() => api.create(paths.namespaces, namespace(ns, SCENARIO)));
    await withRetries(() => api.create(paths.configMaps(ns), cm));
    await withRetries(() => api.create(paths.deployments(ns), deployment(ns, 'churn-app', SCENARIO, { envFromConfigMaps: [cm.metadata.name] })));
    await withRetries(() => api.create(paths.appConfigs(ns), appConfig(ns, 'churn', SCENARIO, { configMaps: [cm.metadata.name] })));
    const key = `${ns}/churn-app`;
    try {
      await records.waitUntil(() => adopted(deployments.current.get(key), records.current.get(key)), `a WorkloadRecord for ${key}`, PHASE_TIMEOUT_MS);
    } catch {
      notAdopted += 1;
      ctx.log(`soak: ${key} was not adopted within ${PHASE_TIMEOUT_MS / 1000} s`);
      return;
    }
    const revision = `churn-${ns}`;
    await withRetries(() => api.patch(paths.configMap(ns, cm.metadata.name), 'merge', { data: { revision } }));
    editTimes.set(ns, [performance.now()]);
    const expected = configMapChecksum(cm.metadata.name, { ...cm.data, revision });
    await deployments.waitUntil(() => deployments.current.get(key)?.checksum === expected, `${key} to carry its edited checksum`, PHASE_TIMEOUT_MS).catch(() => {
      notRolled += 1;
      ctx.log(`soak: ${key} did not roll within ${PHASE_TIMEOUT_MS / 1000} s of its ConfigMap's edit`);
    });
  };

  const created: string[] = [];
  let previous: { ns: string; life: Promise<void> } | undefined;
  const retire = async (): Promise<void> => {
    if (!previous) return;
    // A namespace is deleted only once its life is over (adopted and rolled, or timed out).
    await previous.life.catch((error: unknown) => ctx.log(`soak: churn namespace ${previous?.ns}: ${error instanceof Error ? error.message : String(error)}`));
    await withRetries(() => api.delete(paths.namespace(previous?.ns ?? '')));
  };
  try {
    for (let m = 0; opts.startAt + m * opts.everyMs < opts.endAt; m++) {
      const wait = opts.startAt + m * opts.everyMs - performance.now();
      if (wait > 0) await sleep(wait);
      await retire();
      const ns = `bench-soak-churn-${m}`;
      created.push(ns);
      previous = { ns, life: lifeOf(ns) };
    }
    const wait = opts.endAt - performance.now();
    if (wait > 0) await sleep(wait);
    await retire();
    const lastDeletion = performance.now();
    for (const ns of created) await namespaceGone(ctx, ns);
    return {
      namespaces: created.length,
      every_s: opts.everyMs / 1000,
      not_adopted: notAdopted,
      edits: editTimes.size,
      not_rolled: notRolled,
      rollouts,
      ideal_rollouts: idealRollouts(editTimes, 1, opts.quiet).ideal,
      gone_after_s: Math.round(performance.now() - lastDeletion) / 1000,
    };
  } finally {
    await deployments.stop();
    await records.stop();
  }
}

async function namespaceGone(ctx: BenchContext, ns: string, timeoutMs = 300_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await ctx.api.get(paths.namespace(ns));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return;
      if (!(error instanceof ApiError && error.retryable)) throw error;
    }
    if (performance.now() > deadline) throw new Error(`namespace ${ns} was not gone ${timeoutMs / 1000} s after its deletion`);
    await sleep(1000);
  }
}
