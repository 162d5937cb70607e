// Inputs at the edges: the most sources an AppConfig may list (and one more), a ConfigMap at
// the 1 MiB limit, binaryData, an immutable ConfigMap replaced by another, a paused Deployment,
// a Deployment re-created under its old name, and a checksum someone else wrote. Each must
// roll exactly as often as its content changed, and not once more.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { workloadConsuming } from '../../support/consumers.ts';
import { appConfigManifest, readAppConfig } from '../../support/controller-harness.ts';
import { TEMPLATE_WRITES, waitForInSync, withFaultScene, type FaultScene } from '../../support/fault-scene.ts';
import { startPrivateControlPlane, type PrivateControlPlane } from '../../support/faults.ts';
import { workloadUid } from '../../support/records.ts';
import { waitFor } from '../../support/wait.ts';
import { deploymentManifest } from '../../support/workloads.ts';

const ARGS = ['--debounce', '0', '--retry-max', '5s'];
/** The apiserver's limit on one ConfigMap: the lengths of its data and binaryData values (keys do not count). */
const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;
const SOURCE_LIST_LIMIT = 256;
const SSA = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A Deployment reading ConfigMap `name` through a volume, and an AppConfig listing that ConfigMap. */
function consumerOf(name: string): [object, object] {
  return [workloadConsuming('Deployment', name, { configMapVolumes: [name] }), appConfigManifest(name, { configMaps: [{ name }] })];
}

function configMap(name: string, fields: object): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, ...fields };
}

/** Starts the controller, applies `manifests` and waits until `name` is adopted (one ReplicaSet). */
async function adopted(scene: FaultScene, name: string, ...manifests: object[]): Promise<void> {
  await scene.startController({ args: ARGS });
  if (manifests.length > 0) await scene.apply(...manifests);
  await scene.waitForRecord(name);
  assert.equal(await scene.replicaSets(name), 1, 'adoption rolls nothing');
}

describe('extreme and unusual inputs', () => {
  let cluster: PrivateControlPlane;
  before(async () => {
    cluster = await startPrivateControlPlane();
  });
  after(async () => {
    await cluster?.stop();
  });

  test(`accepts an AppConfig listing ${SOURCE_LIST_LIMIT} ConfigMaps and rolls once when one changes; the apiserver refuses ${SOURCE_LIST_LIMIT + 1}`, async () => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const names = Array.from({ length: SOURCE_LIST_LIMIT + 1 }, (_, i) => `cm-${String(i).padStart(3, '0')}`);
        const configMaps = names.map((name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { LEVEL: '0' } }));
        await scene.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: configMaps }) });
        const many = appConfigManifest('many', {
          configMaps: names.slice(0, SOURCE_LIST_LIMIT).map((name) => ({ name })),
          workloads: { names: [{ kind: 'Deployment', name: 'many' }] },
        });
        await adopted(scene, 'many', deploymentManifest('many'), many);
        const ready = await waitFor(
          async () => {
            const ac = await readAppConfig(scene.kubeConfig, scene.namespace, 'many');
            return ac.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && ac;
          },
          { description: 'AppConfig many to be Ready' },
        );
        assert.equal(ready.status?.sourceCount, SOURCE_LIST_LIMIT);

        await scene.editConfigMap('cm-200', { LEVEL: '1' });
        await scene.waitForNewChecksum('many', undefined);
        assert.equal(await scene.replicaSets('many'), 2, 'one change among 256 sources rolls once');

        const tooMany = appConfigManifest('too-many', { configMaps: names.map((name) => ({ name })) });
        const refused = await scene.kubectl(['create', '-f', '-'], { input: JSON.stringify(tooMany), allowFailure: true });
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /spec\.configMaps: Too many: 257: must have at most 256 items/);
        assert.equal((await scene.kubectl(['get', 'appconfig', 'too-many'], { allowFailure: true })).code, 1, 'nothing was created');
      },
      { prefix: 'faults-256' },
    );
  });

  test('rolls once when a ConfigMap of exactly 1 MiB changes', async () => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const key = 'blob';
        const value = (last: string) => 'x'.repeat(CONFIGMAP_LIMIT_BYTES - 1) + last;
        // Created through the API: kubectl apply would copy it into an annotation, which is limited to 256 KiB.
        await scene.core.createNamespacedConfigMap({ namespace: scene.namespace, body: { metadata: { name: 'big' }, data: { [key]: value('a') } } });
        await adopted(scene, 'big', ...consumerOf('big'));

        await scene.editConfigMap('big', { [key]: value('b') });
        await scene.waitForNewChecksum('big', undefined);
        assert.equal(await scene.replicaSets('big'), 2);
        const tooBig = await scene.core
          .patchNamespacedConfigMap({ namespace: scene.namespace, name: 'big', body: { data: { [key]: `${value('c')}!` } } }, MERGE_PATCH)
          .then(() => 'accepted', (err: { code?: number }) => err.code);
        assert.equal(tooBig, 422, 'one byte more is beyond the limit: the 1 MiB ConfigMap really is the largest');
      },
      { prefix: 'faults-1mib' },
    );
  });

  test('rolls once when only binaryData changes', async () => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const bytes = (n: number) => Buffer.from([0, 255, n, 13, 10]).toString('base64');
        await adopted(scene, 'bin', configMap('bin', { data: { LEVEL: '0' }, binaryData: { 'key.der': bytes(1) } }), ...consumerOf('bin'));

        await scene.core.patchNamespacedConfigMap({ namespace: scene.namespace, name: 'bin', body: { binaryData: { 'key.der': bytes(2) } } }, MERGE_PATCH);
        await scene.waitForNewChecksum('bin', undefined);
        assert.equal(await scene.replicaSets('bin'), 2);
        assert.deepEqual((await scene.record('bin'))?.lastRollout?.changed, ['ConfigMap bin (key.der)']);
      },
      { prefix: 'faults-binary' },
    );
  });

  test('rolls once when an immutable ConfigMap is deleted and created again with other content', async () => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const immutable = (level: string) => configMap('fixed', { immutable: true, data: { LEVEL: level } });
        await adopted(scene, 'fixed', immutable('0'), ...consumerOf('fixed'));
        const writesBefore = (await scene.requests()).count(TEMPLATE_WRITES);
        const edit = await scene.kubectl(['patch', 'configmap', 'fixed', '--type=merge', '-p', '{"data":{"LEVEL":"1"}}'], { allowFailure: true });
        assert.match(edit.stderr, /field is immutable/, 'the only way to change it is to replace it');

        await scene.kubectl(['delete', 'configmap', 'fixed', '--wait']);
        await scene.kubectl(['create', '-f', '-'], { input: JSON.stringify(immutable('1')) });
        await scene.waitForNewChecksum('fixed', undefined);
        assert.equal(await scene.replicaSets('fixed'), 2);
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES) - writesBefore, 1, 'one template write at the apiserver');
      },
      { prefix: 'faults-immutable' },
    );
  });

  test('writes the checksum into a paused Deployment, which makes no ReplicaSet until resumed, then exactly one', async () => {
    await withFaultScene(
      cluster,
      async (scene) => {
        await adopted(scene, 'paused', configMap('paused', { data: { LEVEL: '0' } }), ...consumerOf('paused'));
        await scene.kubectl(['rollout', 'pause', 'deployment/paused']);

        await scene.editConfigMap('paused', { LEVEL: '1' });
        await scene.waitForNewChecksum('paused', undefined);
        assert.equal(await scene.replicaSets('paused'), 1, 'paused: the checksum is in the template, no new ReplicaSet');
        await scene.kubectl(['rollout', 'resume', 'deployment/paused']);
        assert.equal(await scene.replicaSets('paused'), 2, 'resumed: exactly one');
      },
      { prefix: 'faults-paused' },
    );
  });

  test('adopts a Deployment deleted and re-created under the same name afresh: no rollout, a new WorkloadRecord for the new UID', async () => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const [deployment, appConfig] = consumerOf('again');
        await adopted(scene, 'again', configMap('again', { data: { LEVEL: '0' } }), deployment, appConfig);
        await scene.editConfigMap('again', { LEVEL: '1' });
        await scene.waitForNewChecksum('again', undefined);
        const oldUid = await workloadUid(scene.namespace, 'Deployment', 'again', scene.kubeConfig);
        const writesBefore = (await scene.requests()).count(TEMPLATE_WRITES);

        // Background deletion: a foreground one ends with the garbage collector PATCHing its finalizer away.
        await scene.kubectl(['delete', 'deployment', 'again', '--wait']);
        await scene.apply(deployment);
        const record = await scene.waitForRecord('again');
        const newUid = await workloadUid(scene.namespace, 'Deployment', 'again', scene.kubeConfig);
        assert.notEqual(newUid, oldUid);
        assert.equal(record.workload.uid, newUid);
        assert.equal(record.placement, 'Baseline', 'adopted, not rolled');
        assert.equal(await scene.templateChecksum('again'), undefined);
        assert.equal(await scene.replicaSets('again'), 1, "the new Deployment's first ReplicaSet only");
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES) - writesBefore, 0, 'no template write at the apiserver');
        await waitFor(async () => (await scene.kubectl(['get', 'workloadrecords', oldUid, '--ignore-not-found', '-o', 'name'])).stdout.trim() === '', {
          description: "the garbage collector to delete the old Deployment's record",
        });
      },
      { prefix: 'faults-recreated' },
    );
  });

  test('takes a wrong checksum someone else wrote into the template as a template change: recorded, no extra rollout', async () => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const forged = `v1.${'0'.repeat(64)}`;
        // Another one later: the same template again would bring the first ReplicaSet back instead of making one.
        const forgedAgain = `v1.${'1'.repeat(64)}`;
        const deployment = workloadConsuming('Deployment', 'forged', { configMapVolumes: ['forged'] }) as { spec: { template: { metadata: Record<string, unknown> } } };
        deployment.spec.template.metadata.annotations = { [CHECKSUM_ANNOTATION]: forged };
        // Already there at first sight: adopted as it is.
        await adopted(scene, 'forged', configMap('forged', { data: { LEVEL: '0' } }), deployment, appConfigManifest('forged', { configMaps: [{ name: 'forged' }] }));
        assert.equal(await scene.templateChecksum('forged'), forged);
        await scene.editConfigMap('forged', { LEVEL: '1' });
        const rolled = await scene.waitForNewChecksum('forged', forged);
        assert.equal(await scene.replicaSets('forged'), 2, 'the first content change rolls once');

        // Written later by another field manager (server-side apply, so it is not a PATCH at the apiserver).
        const writesBefore = (await scene.requests()).count(TEMPLATE_WRITES);
        const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'forged' }, spec: { template: { metadata: { annotations: { [CHECKSUM_ANNOTATION]: forgedAgain } } } } };
        await scene.apps.patchNamespacedDeployment({ namespace: scene.namespace, name: 'forged', body, fieldManager: 'someone-else', force: true }, SSA);
        await waitFor(async () => (await scene.record('forged'))?.placement === 'Baseline', { description: 'the template change to be recorded' });
        assert.equal(await scene.templateChecksum('forged'), forgedAgain, 'left as someone else wrote it');
        assert.equal(await scene.replicaSets('forged'), 3, "their template change rolled once; confighash's none");
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES) - writesBefore, 0, 'no template write by confighash');

        await scene.editConfigMap('forged', { LEVEL: '2' });
        const next = await scene.waitForNewChecksum('forged', forgedAgain);
        assert.notEqual(next, rolled);
        assert.equal(await scene.replicaSets('forged'), 4, 'the next content change rolls once');
        await waitForInSync(scene, 'forged');
      },
      { prefix: 'faults-forged' },
    );
  });
});
