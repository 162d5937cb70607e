// Issue 9, point 5: what GitOps tools do in one sync (replace a workload, apply a ConfigMap
// and a Deployment together) gives exactly one rollout, whoever makes it. Rollouts are the
// ReplicaSets the real deployment controller makes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectl } from '../support/cluster.ts';
import { workloadConsuming } from '../support/consumers.ts';
import { appConfigManifest, configMapManifest, withControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { applyAndAdopt, assertReplicaSets, templateChecksum, templateWrites, waitForRecord, waitForRolledTo } from '../support/rollout-steps.ts';

const webDeployment = (image?: string) => {
  const manifest = workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['app-cm'] }) as {
    spec: { template: { spec: { containers: { image: string }[] } } };
  };
  if (image) manifest.spec.template.spec.containers[0]!.image = image;
  return manifest;
};

describe('GitOps syncs that touch a workload and its ConfigMap at once', () => {
  it('kubectl replace of a baseline-only workload in the same quiet period as a content change gives exactly one rollout', async () => {
    await withControllerScene(
      async (scene) => {
        const { namespace } = scene;
        await applyAndAdopt(scene, 'web', configMapManifest('app-cm', { a: '1' }), webDeployment(), appConfigManifest('web', { configMaps: [{ name: 'app-cm' }] }));

        // The content change first: a replace seen after it must not pass for a rollout.
        await kubectl(['-n', namespace, 'patch', 'configmap', 'app-cm', '--type=merge', '-p', '{"data":{"a":"2"}}']);
        await kubectl(['-n', namespace, 'replace', '-f', '-'], { input: JSON.stringify(webDeployment()) });

        await waitForRolledTo(namespace, 'web', await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '2' } } } }));
        await assertReplicaSets(namespace, 'web', 2, 'one rollout, by confighash: the replace left the pod template as it was');
      },
      { args: ['--debounce', '3s'] },
    );
  });

  it('one kubectl apply of a List that changes a ConfigMap and the image together gives exactly one rollout, and confighash writes no template', async () => {
    await withControllerScene(
      async (scene) => {
        const { namespace } = scene;
        await applyAndAdopt(scene, 'web', configMapManifest('app-cm', { a: '1' }), webDeployment(), appConfigManifest('web', { configMaps: [{ name: 'app-cm' }] }));
        const writes = await templateWrites(scene.controller());

        // As Flux and Argo CD order a sync: ConfigMaps before workloads, in one apply.
        await scene.apply(configMapManifest('app-cm', { a: '2' }), webDeployment('registry.k8s.io/pause:3.9'));
        const expected = await expectedChecksum({ configMaps: { 'app-cm': { data: { a: '2' } } } });
        const record = await waitForRecord(namespace, 'web', (r) => r.checksum === expected, 'the new content recorded');

        assert.equal(record.placement, 'Baseline', 'recorded outside the workload: the image change already restarted the pods');
        await assertReplicaSets(namespace, 'web', 2, 'one rollout for the sync, from the image change');
        assert.equal(await templateChecksum(namespace, 'web'), undefined, 'the pod template carries no confighash checksum');
        assert.equal(await templateWrites(scene.controller()), writes, 'confighash wrote no pod template');
      },
      { args: ['--debounce', '2s'] },
    );
  });
});
