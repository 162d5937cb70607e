// Issue 9, point 5: changes of scope (a reference, a key list, an AppConfig that starts or
// stops counting a source) roll nothing by themselves, and the next content edit of a
// counted source rolls exactly once. Rollouts are the ReplicaSets the real deployment
// controller makes; a pod-template edit by the test makes one of its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectl } from '../support/cluster.ts';
import { workloadConsuming } from '../support/consumers.ts';
import { appConfigManifest, configMapManifest, secretManifest, withControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import {
  applyAndAdopt,
  assertReplicaSets,
  decisionsOf,
  editConfigMap,
  editSecret,
  recordedScope,
  templateChecksum,
  templateWrites,
  waitForDecision,
  waitForRecord,
  waitForRolledTo,
} from '../support/rollout-steps.ts';

describe('scope changes roll nothing; the next content edit rolls exactly once', () => {
  it('a reference added to the pod template rolls once by itself, and the new source then rolls once per edit', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { a: '1' }),
        secretManifest('app-sec', { token: 'first' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'] }),
        appConfigManifest('web', { configMaps: [{ name: 'app-cm' }], secrets: [{ name: 'app-sec' }] }),
      );
      const writes = await templateWrites(scene.controller());

      await scene.apply(workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'], secretKeys: [{ name: 'app-sec', key: 'token' }] }));
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-cm:* Secret/app-sec:token', 'app-sec starts counting');
      await assertReplicaSets(namespace, 'web', 2, 'the pod-template edit rolls once by itself, confighash adds nothing');
      assert.equal(await templateWrites(scene.controller()), writes, 'confighash wrote no pod template for a scope change');

      await editSecret(namespace, 'app-sec', { token: 'second' });
      const expected = await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '1' } } }, secrets: { 'app-sec': { data: { token: 'second' }, keys: ['token'] } } });
      await waitForRolledTo(namespace, 'web', expected);
      await assertReplicaSets(namespace, 'web', 3, 'an app-sec content edit rolls exactly once more');
    });
  });

  it('a reference removed from the pod template rolls once by itself, and a remaining source then rolls once per edit', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { a: '1' }),
        secretManifest('app-sec', { token: 'first' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'], secretKeys: [{ name: 'app-sec', key: 'token' }] }),
        appConfigManifest('web', { configMaps: [{ name: 'app-cm' }], secrets: [{ name: 'app-sec' }] }),
      );
      const writes = await templateWrites(scene.controller());

      await scene.apply(workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'] }));
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-cm:*', 'app-sec stops counting');
      await assertReplicaSets(namespace, 'web', 2, 'the pod-template edit rolls once by itself, confighash adds nothing');
      assert.equal(await templateWrites(scene.controller()), writes, 'confighash wrote no pod template for a scope change');

      await editConfigMap(namespace, 'app-cm', { a: '2' });
      await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '2' } } } }));
      await assertReplicaSets(namespace, 'web', 3, 'an edit of the remaining source rolls exactly once more');
    });
  });

  it('narrowing the keys of an AppConfig rolls nothing; an edit of a still counted key rolls once, one of a dropped key never', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { a: '1', b: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'] }),
        appConfigManifest('web', { configMaps: [{ name: 'app-cm' }] }),
      );
      const writes = await templateWrites(scene.controller());

      await scene.apply(appConfigManifest('web', { configMaps: [{ name: 'app-cm', keys: ['a'] }] }));
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-cm:a', 'only key a counts');
      await assertReplicaSets(namespace, 'web', 1, 'narrowing the keys rolls nothing');
      assert.equal(await templateWrites(scene.controller()), writes, 'no pod-template write for a narrower scope');

      await editConfigMap(namespace, 'app-cm', { a: '2' });
      const afterA = await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '2', b: '1' }, keys: ['a'] } } });
      await waitForRolledTo(namespace, 'web', afterA);
      await assertReplicaSets(namespace, 'web', 2, 'an edit of counted key a rolls exactly once');

      const mark = scene.controller().logLines().length;
      await editConfigMap(namespace, 'app-cm', { b: '2' });
      const decision = await waitForDecision(scene.controller(), namespace, 'web', mark);
      assert.equal(decision.reason, 'InSync', `an edit of key b changes nothing that counts (decisions: ${JSON.stringify(decisionsOf(scene.controller(), namespace, 'web', mark))})`);
      await assertReplicaSets(namespace, 'web', 2, 'an edit of key b, which no longer counts, rolls nothing');
      assert.equal(await templateChecksum(namespace, 'web'), afterA, 'the pod template still carries the checksum of key a');
    });
  });

  it('widening the keys of an AppConfig rolls nothing; an edit of a newly counted key then rolls once', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { a: '1', b: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'] }),
        appConfigManifest('web', { configMaps: [{ name: 'app-cm', keys: ['a'] }] }),
      );
      const writes = await templateWrites(scene.controller());

      await scene.apply(appConfigManifest('web', { configMaps: [{ name: 'app-cm' }] }));
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-cm:*', 'every key counts');
      await assertReplicaSets(namespace, 'web', 1, 'widening the keys rolls nothing');
      assert.equal(await templateWrites(scene.controller()), writes, 'no pod-template write for a wider scope');

      await editConfigMap(namespace, 'app-cm', { b: '2' });
      await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '1', b: '2' } } } }));
      await assertReplicaSets(namespace, 'web', 2, 'an edit of key b, counted since the widening, rolls exactly once');
    });
  });

  it('an AppConfig that gains a source the workload already uses rolls nothing; an edit of that source then rolls once', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { a: '1' }),
        configMapManifest('extra-cm', { x: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm', 'extra-cm'] }),
        appConfigManifest('web', { configMaps: [{ name: 'app-cm' }] }),
      );
      const writes = await templateWrites(scene.controller());

      await scene.apply(appConfigManifest('web', { configMaps: [{ name: 'app-cm' }, { name: 'extra-cm' }] }));
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-cm:* ConfigMap/extra-cm:*', 'extra-cm starts counting');
      await assertReplicaSets(namespace, 'web', 1, 'a source that starts counting rolls nothing');
      assert.equal(await templateWrites(scene.controller()), writes, 'no pod-template write when a source starts counting');

      await editConfigMap(namespace, 'extra-cm', { x: '2' });
      await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '1' } }, 'extra-cm': { data: { x: '2' } } } }));
      await assertReplicaSets(namespace, 'web', 2, 'an edit of the newly counted source rolls exactly once');
    });
  });

  it('deleting one of two AppConfigs with different sources rolls nothing; an edit of the remaining source then rolls once', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { a: '1' }),
        configMapManifest('other-cm', { o: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm', 'other-cm'] }),
        appConfigManifest('web-app', { configMaps: [{ name: 'app-cm' }] }),
        appConfigManifest('web-other', { configMaps: [{ name: 'other-cm' }] }),
      );
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-cm:* ConfigMap/other-cm:*', 'both AppConfigs count');
      const writes = await templateWrites(scene.controller());

      await kubectl(['-n', namespace, 'delete', 'appconfig', 'web-other']);
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-cm:*', 'other-cm stops counting');
      await assertReplicaSets(namespace, 'web', 1, 'deleting one AppConfig rolls nothing');
      assert.equal(await templateWrites(scene.controller()), writes, 'no pod-template write when an AppConfig goes');

      await editConfigMap(namespace, 'app-cm', { a: '2' });
      await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '2' } } } }));
      await assertReplicaSets(namespace, 'web', 2, 'an edit of the remaining source rolls exactly once');
    });
  });

  it('a new AppConfig over an already covered workload rolls nothing; an edit of its source then rolls once', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-cm', { a: '1' }),
        configMapManifest('extra-cm', { x: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm', 'extra-cm'] }),
        appConfigManifest('web-app', { configMaps: [{ name: 'app-cm' }] }),
      );
      const writes = await templateWrites(scene.controller());

      await scene.apply(appConfigManifest('web-extra', { configMaps: [{ name: 'extra-cm' }] }));
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-cm:* ConfigMap/extra-cm:*', 'the new AppConfig counts extra-cm');
      await assertReplicaSets(namespace, 'web', 1, 'a new AppConfig rolls nothing');
      assert.equal(await templateWrites(scene.controller()), writes, 'no pod-template write for a new AppConfig');

      await editConfigMap(namespace, 'extra-cm', { x: '2' });
      await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '1' } }, 'extra-cm': { data: { x: '2' } } } }));
      await assertReplicaSets(namespace, 'web', 2, 'an edit of the newly covered source rolls exactly once');
    });
  });

  it('switching the pod template from app-v1 to a new app-v2 rolls once by itself; an app-v2 edit then rolls once', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await applyAndAdopt(
        scene,
        'web',
        configMapManifest('app-v1', { version: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-v1'] }),
        appConfigManifest('web', { configMaps: [{ name: 'app-v1' }, { name: 'app-v2' }] }),
      );
      const writes = await templateWrites(scene.controller());

      await scene.apply(configMapManifest('app-v2', { version: '2' }), workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-v2'] }));
      await waitForRecord(namespace, 'web', (r) => recordedScope(r) === 'ConfigMap/app-v2:*' && r.sources[0]?.absent !== true, 'app-v2 counts instead of app-v1');
      await assertReplicaSets(namespace, 'web', 2, 'the switch rolls once by itself, confighash adds nothing');
      assert.equal(await templateWrites(scene.controller()), writes, 'confighash wrote no pod template for the switch');

      await editConfigMap(namespace, 'app-v2', { version: '2.1' });
      await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'app-v2': { data: { version: '2.1' } } } }));
      await assertReplicaSets(namespace, 'web', 3, 'an app-v2 content edit rolls exactly once more');
    });
  });
});
