// confighash covering Argo Rollouts (--workload-kind argoproj.io/v1alpha1/Rollout), counted
// by the ReplicaSets the real Argo Rollouts controller creates for each Rollout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { rolloutManifest, settledReplicaSetsOwnedBy, useArgoRollouts } from '../support/argo-rollouts.ts';
import { kubectl } from '../support/cluster.ts';
import { podSpecConsuming, workloadConsuming } from '../support/consumers.ts';
import { controllerRuleManifests } from '../support/controller-access.ts';
import { appConfigManifest, configMapManifest, controllerServiceAccountKubeconfig, readAppConfig, waitForAdoption, withControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { recordOwnersThenDelete } from '../support/records.ts';
import { waitFor } from '../support/wait.ts';

const ROLLOUT_FLAG = ['--debounce', '0', '--workload-kind', 'argoproj.io/v1alpha1/Rollout'];
const RBAC_NAME = 'confighash-argo-rollouts';

/** The rule the README's overlay patch adds for Rollouts, bound to the controller's ServiceAccount. */
const rolloutRbac = controllerRuleManifests(RBAC_NAME, { apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: ['list', 'watch', 'patch'] });

const patchData = (namespace: string, name: string, data: Record<string, string>) =>
  kubectl(['-n', namespace, 'patch', 'configmap', name, '--type=merge', '-p', JSON.stringify({ data })]);

describe('Argo Rollouts', () => {
  const argoRollouts = useArgoRollouts();
  before(async () => {
    await controllerServiceAccountKubeconfig();
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rolloutRbac }) });
  });
  after(() => kubectl(['delete', 'clusterrolebinding,clusterrole', RBAC_NAME, '--ignore-not-found']));

  it('rolls a Rollout once per content edit (one ReplicaSet made by Argo Rollouts), and not on adoption, metadata edits or a restart', async (t) => {
    const argo = argoRollouts(t);
    if (!argo) return;
    await withControllerScene(
      async ({ namespace, apply, kubeConfig, startController, stopController }) => {
        // The RBAC just granted may take a moment to reach the authorizer.
        await waitFor(() => startController(ROLLOUT_FLAG).then(() => true, () => false), { description: 'the controller to start with Rollouts', timeoutMs: 30_000, intervalMs: 1000 });
        const rollout = rolloutManifest('web', { instanceId: argo.instanceId }) as { spec: { template: { spec: unknown } } };
        rollout.spec.template.spec = podSpecConsuming({ configMapEnvFrom: ['web-config'] });
        await apply(configMapManifest('web-config', { LEVEL: 'info' }), rollout, appConfigManifest('web', { configMaps: [{ name: 'web-config' }] }));
        await waitForAdoption(namespace, 'Rollout', 'web');
        assert.equal((await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 1)).length, 1, 'adoption rolls nothing');

        await patchData(namespace, 'web-config', { LEVEL: 'debug' });
        const expected = await expectedChecksum({ configMaps: { 'web-config': { data: { LEVEL: 'debug' } } } });
        const rolled = await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 2);
        assert.deepEqual(
          rolled.map((rs) => [rs.replicas, rs.templateAnnotations[CHECKSUM_ANNOTATION]]),
          [
            [0, undefined],
            [1, expected],
          ],
          'one new ReplicaSet, running the new checksum; the old one scaled down',
        );

        await kubectl(['-n', namespace, 'label', 'configmap', 'web-config', 'team=web']);
        await stopController();
        await startController(ROLLOUT_FLAG);
        assert.equal((await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 2)).length, 2, 'no rollout for a metadata edit or a restart');
        const target = (await readAppConfig(kubeConfig, namespace, 'web')).status?.targets?.find((t) => t.kind === 'Rollout');
        assert.deepEqual([target?.name, target?.reason], ['web', 'InSync']);
        assert.deepEqual(await recordOwnersThenDelete(kubeConfig, namespace, 'Rollout', 'rollouts.argoproj.io', 'web'), [['argoproj.io/v1alpha1', 'Rollout', 'web']]);
      },
      { deferStart: true, prefix: 'argo' },
    );
  });

  it("rolls a Rollout that takes its template from a Deployment (spec.workloadRef) once per edit, through the Deployment's template, when the AppConfig names the Rollout", async (t) => {
    const argo = argoRollouts(t);
    if (!argo) return;
    await withControllerScene(
      async ({ namespace, apply, kubeConfig, startController }) => {
        await waitFor(() => startController(ROLLOUT_FLAG).then(() => true, () => false), { description: 'the controller to start with Rollouts', timeoutMs: 30_000, intervalMs: 1000 });
        const deployment = workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['web-config'] }) as { spec: { replicas: number } };
        // Scaled to zero, as Argo Rollouts' docs advise when a Rollout takes over a Deployment's pods.
        deployment.spec.replicas = 0;
        await apply(
          configMapManifest('web-config', { LEVEL: 'info' }),
          deployment,
          rolloutManifest('web', { instanceId: argo.instanceId, workloadRefDeployment: 'web' }),
          // The AppConfig names the Rollout; its template lives in the Deployment, which confighash covers in its place.
          appConfigManifest('web', { configMaps: [{ name: 'web-config' }], workloads: { names: [{ kind: 'Rollout', name: 'web' }] } }),
        );
        await waitForAdoption(namespace, 'Deployment', 'web');
        assert.equal((await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 1)).length, 1);

        await patchData(namespace, 'web-config', { LEVEL: 'debug' });
        const expected = await expectedChecksum({ configMaps: { 'web-config': { data: { LEVEL: 'debug' } } } });
        const rolled = await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 2);
        assert.deepEqual(
          rolled.map((rs) => [rs.replicas, rs.templateAnnotations[CHECKSUM_ANNOTATION]]),
          [
            [0, undefined],
            [1, expected],
          ],
          "Argo Rollouts rolls the Rollout once, from the Deployment's template",
        );
        const status = (await readAppConfig(kubeConfig, namespace, 'web')).status;
        assert.deepEqual(
          status?.targets?.map((t) => [t.kind, t.name, t.reason]),
          [['Deployment', 'web', 'InSync']],
          'the status lists the Deployment the checksum is written to',
        );
      },
      { deferStart: true, prefix: 'argo-ref' },
    );
  });
});
