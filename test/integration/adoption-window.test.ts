// Issue 27: a content change made while workloads are still being adopted is a change their
// pods have not seen. Adoption is one WorkloadRecord write per workload, in the background;
// a slow admission webhook on those writes (what a policy engine in front of the apiserver
// does) holds it back, so the window that thousands of workloads open is reached on purpose
// with tens. Rollouts are the ReplicaSets the real deployment controller makes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, RECORD_PLURAL } from '../../src/api/constants.ts';
import { workloadConsuming } from '../support/consumers.ts';
import { appConfigManifest, configMapManifest, withControllerScene, type ControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { workloadRecord } from '../support/records.ts';
import { decisionsOf, templateChecksum } from '../support/rollout-steps.ts';
import { slowAdmission, type SlowAdmission } from '../support/slow-admission.ts';
import { settle, waitFor } from '../support/wait.ts';

/** Each WorkloadRecord create waits this long at the apiserver: with --concurrency 1, adopting n workloads takes n times as long. */
const RECORD_DELAY_MS = 150;
const WINDOW_MESSAGE = 'before it was adopted';

const names = (count: number): string[] => Array.from({ length: count }, (_, i) => `w${String(i).padStart(2, '0')}`);

/** A ConfigMap `name` with k=old, and a Deployment `name` reading it through envFrom. */
function app(name: string): object[] {
  return [configMapManifest(name, { k: 'old' }), workloadConsuming('Deployment', name, { configMapEnvFrom: [name] })];
}

async function slowRecordWrites(namespace: string): Promise<SlowAdmission> {
  const probe = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'WorkloadRecord',
    metadata: { name: 'probe' },
    spec: { workload: { kind: 'Deployment', name: 'probe', uid: 'probe' }, checksum: 'probe', placement: 'Baseline', sources: [] },
  };
  // Only the controller and the break-glass group may write records (kustomize/base/admission-workloadrecord-writers.yaml).
  const probeAs = ['--as=slow-admission-probe', '--as-group=confighash:break-glass', '--as-group=system:authenticated', '--as-group=system:masters'];
  return slowAdmission({ namespace, group: API_GROUP, resource: RECORD_PLURAL, delayMs: RECORD_DELAY_MS, probe, probeAs });
}

async function recordCount(scene: ControllerScene): Promise<number> {
  const list = (await scene.kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: scene.namespace, plural: RECORD_PLURAL })) as {
    items: unknown[];
  };
  return list.items.length;
}

/** Every Deployment has its first ReplicaSet: the deployment controller is done with the creates. */
async function waitForFirstReplicaSets(scene: ControllerScene, workloads: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      const list = await scene.apps.listNamespacedReplicaSet({ namespace: scene.namespace });
      return list.items.length >= workloads.length;
    },
    { description: `a ReplicaSet for each of ${workloads.length} Deployments`, timeoutMs: 120_000 },
  );
}

/** ReplicaSets per Deployment name, by owner reference: a plain sorted object, so that settle() compares it as JSON. */
async function replicaSetCounts(scene: ControllerScene): Promise<Record<string, number>> {
  const [deployments, replicaSets] = await Promise.all([scene.apps.listNamespacedDeployment({ namespace: scene.namespace }), scene.apps.listNamespacedReplicaSet({ namespace: scene.namespace })]);
  const nameOf = new Map(deployments.items.map((d) => [d.metadata?.uid ?? '', d.metadata?.name ?? '']));
  const counts = new Map<string, number>();
  for (const rs of replicaSets.items) {
    const owner = nameOf.get(rs.metadata?.ownerReferences?.[0]?.uid ?? '');
    if (owner !== undefined) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

async function editConfigMap(scene: ControllerScene, name: string, value: string): Promise<void> {
  await scene.core.replaceNamespacedConfigMap({ namespace: scene.namespace, name, body: { metadata: { name }, data: { k: value } } });
}

/** Waits until every workload has a record, then checks each one's rollouts and checksum. */
async function assertEachRolledOnceOrNot(scene: ControllerScene, workloads: readonly string[], edited: ReadonlyMap<string, string>): Promise<void> {
  await waitFor(async () => (await recordCount(scene)) >= workloads.length, { description: `a WorkloadRecord for each of ${workloads.length} Deployments`, timeoutMs: 120_000 });
  const expectedOf = new Map<string, string>();
  for (const [name, final] of edited) {
    const expected = await expectedChecksum({ configMaps: { [name]: { data: { k: final } } } });
    expectedOf.set(name, expected);
    await waitFor(async () => (await templateChecksum(scene.namespace, name)) === expected, { description: `Deployment ${name} to carry the checksum of k=${final}`, timeoutMs: 60_000 });
  }
  const settledCounts = await settle(() => replicaSetCounts(scene), { description: 'the ReplicaSet counts of the namespace' });
  for (const name of workloads) {
    const expected = expectedOf.get(name);
    const replicaSets = settledCounts[name] ?? 0;
    const record = await workloadRecord(scene.namespace, 'Deployment', name);
    if (expected === undefined) {
      assert.equal(replicaSets, 1, `Deployment ${name}, not edited: adoption rolls nothing`);
      assert.equal(await templateChecksum(scene.namespace, name), undefined, `Deployment ${name}: its template is left alone`);
      assert.equal(record?.placement, 'Baseline', `Deployment ${name}: recorded, not rolled`);
    } else {
      assert.equal(replicaSets, 2, `Deployment ${name}, edited during adoption: exactly one rollout`);
      assert.equal(record?.checksum, expected, `Deployment ${name}: its record holds the content it rolled to`);
      assert.equal(record?.placement, 'Template');
      assert.notEqual(record?.lastRollout?.from, undefined, `Deployment ${name}: the rollout names the checksum it rolled from`);
    }
  }
}

describe('a change made while workloads are still being adopted', () => {
  it('rolls each workload whose ConfigMap was edited right after /readyz, before its adoption, exactly once (a burst of 3 edits each), and none of the others', async () => {
    const workloads = names(48);
    const editedNames = workloads.slice(-16);
    await withControllerScene(
      async (scene) => {
        await scene.apply(...workloads.flatMap(app), ...workloads.map((name) => appConfigManifest(name, { configMaps: [{ name }] })));
        await waitForFirstReplicaSets(scene, workloads);
        const slow = await slowRecordWrites(scene.namespace);
        try {
          await scene.startController(); // returns once /readyz answers
          for (const value of ['new-1', 'new-2', 'new-3']) {
            await Promise.all(editedNames.map((name) => editConfigMap(scene, name, value)));
          }
          const recordsWhenEdited = await recordCount(scene);
          await assertEachRolledOnceOrNot(scene, workloads, new Map(editedNames.map((name) => [name, 'new-3'])));

          // The premise: the edits landed in the window, before the controller got to those workloads.
          const last = editedNames.at(-1)!;
          const rolls = decisionsOf(scene.controller(), scene.namespace, last).filter((d) => d.decision === 'roll');
          assert.equal(rolls.length, 1, `one roll decision for ${last}: ${JSON.stringify(rolls)}`);
          assert.match(rolls[0]?.msg ?? "", new RegExp(WINDOW_MESSAGE), `the roll of ${last} was decided at its adoption (records when the edits were done: ${recordsWhenEdited})`);
          assert.ok(recordsWhenEdited < workloads.length - editedNames.length, `adoption was still under way after the edits (${recordsWhenEdited} records)`);
        } finally {
          await slow.close();
        }
      },
      { deferStart: true, args: ['--concurrency', '1'], prefix: 'adopt' },
    );
  });

  it('rolls a workload edited during adoption before the adoption of the workloads waiting ahead of it (the live lane)', async () => {
    const workloads = names(48);
    const edited = workloads.at(-1)!;
    await withControllerScene(
      async (scene) => {
        await scene.apply(...workloads.flatMap(app), ...workloads.map((name) => appConfigManifest(name, { configMaps: [{ name }] })));
        await waitForFirstReplicaSets(scene, workloads);
        const slow = await slowRecordWrites(scene.namespace);
        try {
          await scene.startController();
          await editConfigMap(scene, edited, 'new');
          const expected = await expectedChecksum({ configMaps: { [edited]: { data: { k: 'new' } } } });
          // The last workload the lists handed over, so without lanes it would be adopted last.
          await waitFor(async () => (await templateChecksum(scene.namespace, edited)) === expected, { description: `Deployment ${edited} to roll`, timeoutMs: 60_000 });
          const recordsWhenRolled = await recordCount(scene);
          assert.ok(recordsWhenRolled < workloads.length / 2, `${edited} rolled while adoption was under way: ${recordsWhenRolled} of ${workloads.length} records written`);
          await assertEachRolledOnceOrNot(scene, workloads, new Map([[edited, 'new']]));
        } finally {
          await slow.close();
        }
      },
      { deferStart: true, args: ['--concurrency', '1'], prefix: 'adopt' },
    );
  });

  it('rolls exactly once a workload whose ConfigMap was edited while a new AppConfig over existing workloads was being adopted', async () => {
    const workloads = names(40);
    await withControllerScene(
      async (scene) => {
        await scene.apply(...workloads.flatMap(app));
        await waitForFirstReplicaSets(scene, workloads);
        const slow = await slowRecordWrites(scene.namespace);
        try {
          // One AppConfig listing every ConfigMap, each workload covered because it reads one (auto-discovery).
          await scene.apply(appConfigManifest('all', { configMaps: workloads.map((name) => ({ name })) }));
          // Adoption has begun: the controller has seen the AppConfig.
          await waitFor(async () => (await recordCount(scene)) > 0, { description: 'the first WorkloadRecord', timeoutMs: 60_000 });
          const edited = ['w20', 'w39'];
          for (const name of edited) await editConfigMap(scene, name, 'new');
          const recordsWhenEdited = await recordCount(scene);
          await assertEachRolledOnceOrNot(scene, workloads, new Map(edited.map((name) => [name, 'new'])));

          const rolls = decisionsOf(scene.controller(), scene.namespace, 'w39').filter((d) => d.decision === 'roll');
          assert.equal(rolls.length, 1, `one roll decision for w39: ${JSON.stringify(rolls)}`);
          assert.match(rolls[0]?.msg ?? "", new RegExp(WINDOW_MESSAGE), `the roll of w39 was decided at its adoption (records when edited: ${recordsWhenEdited})`);
        } finally {
          await slow.close();
        }
      },
      { args: ['--concurrency', '1'], prefix: 'adopt' },
    );
  });
});
