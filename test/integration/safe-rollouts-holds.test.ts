// Issue 12: what holds a rollout back without losing it (--dry-run, spec.suspend), what opts a
// workload out for good (confighash.dev/ignore), and a named workload that does not exist.
// Rollouts are the ReplicaSets the real deployment controller makes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appConfigManifest, configMapManifest, waitForAdoption, waitForReadyCondition, withControllerScene, type ControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { workloadRecord } from '../support/records.ts';
import { assertReplicaSets, editConfigMap, templateChecksum, templateWrites, waitForRolledTo } from '../support/rollout-steps.ts';
import { eventsAbout, stagedDeployment, targetReasons, waitForAppConfig, waitForEvent } from '../support/staged-rollouts.ts';

const WORKLOADS = ['api', 'worker'] as const;
// Distinctive values: none of them may appear in an Event.
const BEFORE = 'before-value-3f9a';
const AFTER = 'after-value-81c2';

/** app-cm read by two Deployments, adopted; returns the checksum each recorded. */
async function adoptTwo(scene: ControllerScene, appConfig: object): Promise<Record<string, string>> {
  await scene.apply(configMapManifest('app-cm', { LEVEL: BEFORE }), ...WORKLOADS.map((name) => stagedDeployment(name, { configMap: 'app-cm' })), appConfig);
  const recorded: Record<string, string> = {};
  for (const name of WORKLOADS) recorded[name] = await waitForAdoption(scene.namespace, 'Deployment', name);
  await Promise.all(WORKLOADS.map((name) => assertReplicaSets(scene.namespace, name, 1, `Deployment ${name} after create and adoption`)));
  return recorded;
}

/**
 * Edits app-cm, then checks that nothing rolled, that each workload got a WouldRoll Event
 * naming the changed source and key and both checksums, never a value, and that status says
 * WouldRoll. Returns the checksum the content has now.
 */
async function editAndExpectWouldRoll(scene: ControllerScene, appConfig: string, recorded: Record<string, string>): Promise<string> {
  const { namespace } = scene;
  await editConfigMap(namespace, 'app-cm', { LEVEL: AFTER });
  const next = await expectedChecksum({ configMaps: { 'app-cm': { data: { LEVEL: AFTER } } } });
  for (const name of WORKLOADS) {
    const event = await waitForEvent(namespace, 'Deployment', name, 'WouldRoll');
    const note = event.note ?? '';
    assert.match(note, /ConfigMap app-cm \(LEVEL\) changed/, `the WouldRoll Event names the changed source and key: ${note}`);
    assert.ok(note.includes(`${recorded[name]} -> ${next}`), `the WouldRoll Event names both checksums (${recorded[name]} -> ${next}): ${note}`);
    assert.ok(!note.includes(BEFORE) && !note.includes(AFTER), `the WouldRoll Event carries no value: ${note}`);
  }
  const ac = await waitForAppConfig(scene.kubeConfig, namespace, appConfig, (a) => Object.values(targetReasons(a)).every((r) => r === 'WouldRoll'), 'every target WouldRoll');
  assert.deepEqual(targetReasons(ac), { api: 'WouldRoll', worker: 'WouldRoll' });
  for (const name of WORKLOADS) {
    await assertReplicaSets(namespace, name, 1, `Deployment ${name}: nothing rolled while held`);
    assert.equal(await templateChecksum(namespace, name), undefined, `Deployment ${name}: the pod template was not written`);
    assert.deepEqual(await eventsAbout(namespace, 'Deployment', name, 'ConfigChanged'), [], `Deployment ${name}: no rollout Event`);
  }
  assert.equal(await templateWrites(scene.controller()), 0, 'confighash wrote no pod template');
  return next;
}

async function expectOneRolloutEach(scene: ControllerScene, checksum: string, why: string): Promise<void> {
  for (const name of WORKLOADS) await waitForRolledTo(scene.namespace, name, checksum);
  await Promise.all(WORKLOADS.map((name) => assertReplicaSets(scene.namespace, name, 2, `Deployment ${name}: ${why}`)));
}

describe('holding rollouts back', () => {
  it('--dry-run rolls nothing on a content edit and says what it would roll; restarted without it, each workload rolls once', async () => {
    await withControllerScene(
      async (scene) => {
        await scene.startController(['--dry-run']);
        const recorded = await adoptTwo(scene, appConfigManifest('app', { configMaps: [{ name: 'app-cm' }] }));
        const next = await editAndExpectWouldRoll(scene, 'app', recorded);

        await scene.stopController();
        await scene.startController();
        await expectOneRolloutEach(scene, next, 'the held change rolls once after the restart without --dry-run');
      },
      { deferStart: true },
    );
  });

  it('spec.suspend rolls nothing on a content edit and says what it would roll; unsuspended, each workload rolls once', async () => {
    await withControllerScene(async (scene) => {
      const suspended = (suspend: boolean) => appConfigManifest('app', { configMaps: [{ name: 'app-cm' }], suspend });
      const recorded = await adoptTwo(scene, suspended(true));
      const next = await editAndExpectWouldRoll(scene, 'app', recorded);

      await scene.apply(suspended(false));
      await expectOneRolloutEach(scene, next, 'the held change rolls once after spec.suspend: false');
      const ac = await waitForAppConfig(scene.kubeConfig, scene.namespace, 'app', (a) => Object.values(targetReasons(a)).every((r) => r === 'InSync'), 'every target InSync');
      assert.deepEqual(targetReasons(ac), { api: 'InSync', worker: 'InSync' });
    });
  });

  it('never rolls or records a workload annotated confighash.dev/ignore: "true", and lists it as Ignored', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await scene.apply(
        configMapManifest('app-cm', { LEVEL: BEFORE }),
        stagedDeployment('kept', { configMap: 'app-cm' }),
        stagedDeployment('opted-out', { configMap: 'app-cm', metadataAnnotations: { 'confighash.dev/ignore': 'true' } }),
        appConfigManifest('app', { configMaps: [{ name: 'app-cm' }] }),
      );
      await waitForAdoption(namespace, 'Deployment', 'kept');
      await waitForAppConfig(scene.kubeConfig, namespace, 'app', (a) => targetReasons(a)['opted-out'] === 'Ignored', 'opted-out listed as Ignored');

      await editConfigMap(namespace, 'app-cm', { LEVEL: AFTER });
      await waitForRolledTo(namespace, 'kept', await expectedChecksum({ configMaps: { 'app-cm': { data: { LEVEL: AFTER } } } }));
      await assertReplicaSets(namespace, 'kept', 2, 'the workload beside it rolls once: the edit was seen');
      await assertReplicaSets(namespace, 'opted-out', 1, 'the opted-out workload is not rolled');
      assert.equal(await templateChecksum(namespace, 'opted-out'), undefined, 'its pod template was not written');
      assert.equal(await workloadRecord(namespace, 'Deployment', 'opted-out'), undefined, 'no WorkloadRecord is written for it');
      const ac = await waitForAppConfig(scene.kubeConfig, namespace, 'app', (a) => targetReasons(a).kept === 'InSync', 'kept InSync');
      assert.deepEqual(targetReasons(ac), { kept: 'InSync', 'opted-out': 'Ignored' });
    });
  });
});

describe('named workloads', () => {
  it('reports Ready=False WorkloadNotFound with a Warning Event when spec.workloads.names lists a Deployment that does not exist', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await scene.apply(
        configMapManifest('app-cm', { LEVEL: BEFORE }),
        stagedDeployment('present', { configMap: 'app-cm' }),
        appConfigManifest('app', {
          configMaps: [{ name: 'app-cm' }],
          workloads: { names: [{ kind: 'Deployment', name: 'present' }, { kind: 'Deployment', name: 'ghost' }] },
        }),
      );
      const ac = await waitForReadyCondition(scene.kubeConfig, namespace, 'app', 'WorkloadNotFound');
      const ready = ac.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.status, 'False');
      assert.match(ready?.message ?? '', /Deployment\/ghost/, 'the condition names the missing workload');
      assert.doesNotMatch(ready?.message ?? '', /Deployment\/present/, 'and only that one');
      const event = await waitForEvent(namespace, 'AppConfig', 'app', 'WorkloadNotFound');
      assert.equal(event.type, 'Warning');
      assert.match(event.note ?? '', /Deployment\/ghost/, 'the Event names the missing workload');

      await scene.apply(stagedDeployment('ghost', { configMap: 'app-cm' }));
      await waitForReadyCondition(scene.kubeConfig, namespace, 'app', 'Ready');
    });
  });
});
