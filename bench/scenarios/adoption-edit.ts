// A content change made while workloads are still being adopted (issue 27's reproduction, as a
// measurement): namespaces of Deployments that each read their own ConfigMap `w<i>` (k=old)
// through envFrom, each covered by an AppConfig of its own. The deployment controller settles,
// the controller starts cold with --all-namespaces, and as soon as /readyz answers, the
// ConfigMap of the last Deployment of the last namespace (the last one the lists hand over) is
// edited. The edit must roll its Deployment exactly once, and nothing else may roll.
import { startController, secondsSince, sleep, withTimeout, type BenchContext } from '../context.ts';
import type { BenchController } from '../controller.ts';
import { controllerIdle } from '../controller-state.ts';
import { deploymentView, type DeploymentObject, type DeploymentView } from '../kube/deployment-view.ts';
import { BENCH_LABEL, namespace, paths } from '../kube/objects.ts';
import { forEachLimited, withRetries } from '../kube/pool.ts';
import { adopted, recordTracker } from '../kube/record-view.ts';
import { Tracker } from '../kube/tracker.ts';
import { round } from '../stats.ts';

export interface AdoptionEditResult {
  namespaces: number;
  workloads: number;
  /** "namespace/name" of the edited ConfigMap and Deployment. */
  edited: string;
  /** Spawn → the edit acknowledged (right after /readyz). */
  edit_at_s: number;
  /** WorkloadRecords the controller had written when the edit was acknowledged: adoption still under way. */
  records_when_edited: number;
  /** The edit → its Deployment's template carries a checksum: the window's cost. Null when it never rolled. */
  edit_during_startup_s: number | null;
  /** Whether the edit rolled its Deployment (false is a lost change: a failure, not a slow figure). */
  edit_during_startup_rolled: boolean;
  /** ReplicaSets of the edited Deployment once settled (goal 2: create, then the edit). */
  edited_replica_sets: number;
  /** Deployments other than the edited one whose generation went up from spawn to settled (goal 0). */
  others_rolled: number;
  /** The edited Deployment's record: its checksum, placement and the short digest it holds for key k. */
  edited_record: { checksum: string; placement: string; digest_of_k: string } | null;
  /** Spawn → every Deployment has a record and the controller is idle. */
  settled_s: number;
}

const SCENARIO = 'adoption-edit';
const NAMESPACE_PREFIX = 'bench-adopt-';

export async function runAdoptionEdit(ctx: BenchContext): Promise<AdoptionEditResult> {
  const { api } = ctx;
  const { namespaces, deploymentsPerNamespace } = ctx.profile.adoptionEdit;
  const nsNames = Array.from({ length: namespaces }, (_, i) => `${NAMESPACE_PREFIX}${String(i).padStart(2, '0')}`);
  const name = (i: number): string => `w${String(i).padStart(4, '0')}`;
  const total = namespaces * deploymentsPerNamespace;
  for (const ns of nsNames) await api.create(paths.namespaces, namespace(ns, SCENARIO));
  const creations = nsNames.flatMap((ns) =>
    Array.from({ length: deploymentsPerNamespace }, (_, i) => [
      { path: paths.configMaps(ns), body: { metadata: { name: name(i), namespace: ns, labels: { [BENCH_LABEL]: SCENARIO } }, data: { k: 'old' } } },
      { path: paths.deployments(ns), body: deployment(ns, name(i)) },
      { path: paths.appConfigs(ns), body: appConfig(ns, name(i)) },
    ]).flat(),
  );
  await forEachLimited(creations, 16, ({ path, body }) => withRetries(() => api.create(path, body)));
  ctx.log(`${SCENARIO}: created ${total} Deployments with their ConfigMaps and AppConfigs in ${namespaces} namespaces`);

  const deployments = new Tracker<DeploymentObject, DeploymentView>({ api, collectionPath: paths.deployments(), labelSelector: `${BENCH_LABEL}=${SCENARIO}`, project: deploymentView });
  const records = recordTracker(api);
  await deployments.start();
  await records.start();
  let controller: BenchController | undefined;
  try {
    await deployments.waitUntil(
      () => deployments.current.size === total && [...deployments.current.values()].every((d) => d.observedGeneration >= d.generation && d.revision >= 1),
      'the deployment controller to observe every Deployment',
      600_000,
    );
    const generationsAtSpawn = new Map([...deployments.current].map(([key, view]) => [key, view.generation]));
    const lastNamespace = nsNames.at(-1) ?? '';
    const editedName = name(deploymentsPerNamespace - 1);
    const edited = `${lastNamespace}/${editedName}`;
    let rolledAt: number | undefined;
    deployments.onChange((key, view, at) => {
      if (key === edited && view?.checksum !== undefined) rolledAt ??= at;
    });
    const recordsOfScenario = (): number => [...records.current.keys()].filter((key) => key.startsWith(NAMESPACE_PREFIX)).length;

    controller = await startController(ctx, SCENARIO, ['--all-namespaces']);
    await controller.ready(300_000);
    await api.patch(paths.configMap(lastNamespace, editedName), 'merge', { data: { k: 'new' } });
    const editedAt = performance.now();
    const recordsWhenEdited = recordsOfScenario();

    const allAdopted = (): boolean => [...deployments.current].every(([key, view]) => adopted(view, records.current.get(key)));
    await withTimeout(
      (async () => {
        while (!allAdopted() || rolledAt === undefined) await sleep(200);
      })(),
      300_000,
      () => `${SCENARIO}: within 300 s, ${[...deployments.current].filter(([key, view]) => !adopted(view, records.current.get(key))).length} Deployments had no record, and ${edited} had ${rolledAt === undefined ? 'not' : ''} rolled`,
    ).catch((error: unknown) => ctx.log(String(error)));
    const settledAt = await controllerIdle(controller);
    const replicaSets = await api.listAll<{ metadata?: { ownerReferences?: { uid?: string }[] } }>(paths.replicaSets(lastNamespace));
    const editedUid = deployments.current.get(edited)?.uid;
    const record = records.current.get(edited);
    const recordObject = record ? await api.get<{ spec?: { checksum?: string; placement?: string; sources?: { data?: Record<string, string> }[] } }>(`${paths.workloadRecords(lastNamespace)}/${editedUid ?? ''}`) : undefined;
    const othersRolled = [...deployments.current].filter(([key, view]) => key !== edited && view.generation > (generationsAtSpawn.get(key) ?? 0)).length;
    return {
      namespaces,
      workloads: total,
      edited,
      edit_at_s: secondsSince(controller.spawnedAt, editedAt),
      records_when_edited: recordsWhenEdited,
      edit_during_startup_s: rolledAt === undefined ? null : round((rolledAt - editedAt) / 1000),
      edit_during_startup_rolled: rolledAt !== undefined,
      edited_replica_sets: replicaSets.items.filter((rs) => rs.metadata?.ownerReferences?.some((ref) => ref.uid === editedUid)).length,
      others_rolled: othersRolled,
      edited_record: recordObject?.spec
        ? { checksum: recordObject.spec.checksum ?? '', placement: recordObject.spec.placement ?? '', digest_of_k: recordObject.spec.sources?.[0]?.data?.k ?? '' }
        : null,
      settled_s: secondsSince(controller.spawnedAt, settledAt),
    };
  } finally {
    await controller?.stop();
    await deployments.stop();
    await records.stop();
  }
}

function deployment(ns: string, name: string): object {
  const labels = { app: name };
  return {
    metadata: { name, namespace: ns, labels: { ...labels, [BENCH_LABEL]: SCENARIO } },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', envFrom: [{ configMapRef: { name } }] }] } },
    },
  };
}

function appConfig(ns: string, name: string): object {
  return { apiVersion: 'confighash.dev/v1', kind: 'AppConfig', metadata: { name, namespace: ns, labels: { [BENCH_LABEL]: SCENARIO } }, spec: { configMaps: [{ name }] } };
}
