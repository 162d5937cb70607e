// The optional Argo Rollouts component of the local control plane: the real upstream
// controller (scripts/controlplane/build-argo-rollouts.sh) makes ReplicaSets for
// argoproj.io/v1alpha1 Rollouts, which is what rollout counts of Rollouts measure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolloutManifest, settledReplicaSetsOwnedBy, useArgoRollouts } from '../support/argo-rollouts.ts';
import { kubectl } from '../support/cluster.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { deploymentManifest } from '../support/workloads.ts';

function apply(namespace: string, ...manifests: object[]): Promise<unknown> {
  return kubectl(['apply', '-n', namespace, '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }) });
}

function annotateTemplate(namespace: string, resource: string, annotations: Record<string, string>): Promise<unknown> {
  const patch = { spec: { template: { metadata: { annotations } } } };
  return kubectl(['patch', '-n', namespace, resource, '--type=merge', '-p', JSON.stringify(patch)]);
}

describe('the Argo Rollouts component', () => {
  const argoRollouts = useArgoRollouts();

  it('creates exactly one ReplicaSet owned by a new Rollout, and a second when its pod-template annotation changes', async (t) => {
    const controller = argoRollouts(t);
    if (!controller) return;
    await withTestNamespace(
      async (namespace) => {
        await apply(namespace, rolloutManifest('web', { instanceId: controller.instanceId }));
        const first = await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 1);
        assert.equal(first.length, 1, JSON.stringify(first));
        assert.equal(first[0]?.replicas, 1);

        await annotateTemplate(namespace, 'rollout/web', { 'example.com/revision': '2' });
        const second = await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 2);
        assert.equal(second.length, 2, JSON.stringify(second));
        assert.deepEqual(
          second.map((rs) => [rs.replicas, rs.templateAnnotations['example.com/revision']]),
          [
            [0, undefined],
            [1, '2'],
          ],
          'the old ReplicaSet scaled down, the new one runs the edited template',
        );
      },
      { prefix: 'argo-rollout' },
    );
  });

  it("follows the Deployment named by spec.workloadRef: one Rollout-owned ReplicaSet, and a second when the Deployment's pod-template annotation changes", async (t) => {
    const controller = argoRollouts(t);
    if (!controller) return;
    await withTestNamespace(
      async (namespace) => {
        // Scaled to zero, as Argo's docs advise when a Rollout takes over a Deployment's pods.
        await apply(
          namespace,
          deploymentManifest('web', { replicas: 0 }),
          rolloutManifest('web', { instanceId: controller.instanceId, workloadRefDeployment: 'web' }),
        );
        const first = await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 1);
        assert.equal(first.length, 1, JSON.stringify(first));
        assert.equal(first[0]?.replicas, 1);

        await annotateTemplate(namespace, 'deployment/web', { 'example.com/revision': '2' });
        const second = await settledReplicaSetsOwnedBy(namespace, 'Rollout', 'web', 2);
        assert.equal(second.length, 2, JSON.stringify(second));
        assert.deepEqual(
          second.map((rs) => [rs.replicas, rs.templateAnnotations['example.com/revision']]),
          [
            [0, undefined],
            [1, '2'],
          ],
          "the Rollout runs the Deployment's edited template",
        );

        // The deployment controller still makes its own ReplicaSet per template, at zero replicas.
        const ofDeployment = await settledReplicaSetsOwnedBy(namespace, 'Deployment', 'web', 2);
        assert.deepEqual(
          ofDeployment.map((rs) => rs.replicas),
          [0, 0],
        );
      },
      { prefix: 'argo-workload-ref' },
    );
  });
});
