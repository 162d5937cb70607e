// The local control plane behaves like a real cluster in the ways confighash relies on:
// the deployment controller rolls on pod-template changes only, RBAC is enforced, and
// with simulated nodes rollouts complete.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  ApiException,
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { writeServiceAccountKubeconfig } from '../../scripts/lib/control-plane/index.ts';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { adminKubeConfig, kubectl, testCluster } from '../support/cluster.ts';
import { withTestNamespace } from '../support/namespace.ts';
import {
  countReplicaSets,
  REVISION_ANNOTATION,
  replicaSetsOf,
  settledReplicaSetCount,
  waitForDeploymentObserved,
} from '../support/rollouts.ts';
import { waitFor } from '../support/wait.ts';
import { deploymentManifest } from '../support/workloads.ts';

/** RFC 6901: `/` in a key is written `~1`. */
const checksumPointer = `/spec/template/metadata/annotations/${CHECKSUM_ANNOTATION.replaceAll('~', '~0').replaceAll('/', '~1')}`;

async function createDeploymentWithOneReplicaSet(namespace: string, name: string, replicas = 1): Promise<AppsV1Api> {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  // An existing template annotation, so a JSON Patch can `add` a key beneath it.
  const body = deploymentManifest(name, { replicas, templateAnnotations: { 'example.com/owner': 'tests' } });
  await apps.createNamespacedDeployment({ namespace, body });
  await waitFor(async () => (await countReplicaSets(namespace, name)) === 1, {
    description: `the first ReplicaSet of Deployment ${namespace}/${name}`,
  });
  return apps;
}

describe('local control plane', () => {
  test('the deployment controller creates a ReplicaSet for a new Deployment', async () => {
    await withTestNamespace(async (namespace) => {
      await createDeploymentWithOneReplicaSet(namespace, 'web');
      assert.equal(await waitForDeploymentObserved(namespace, 'web'), '1');
      const [replicaSet] = await replicaSetsOf(namespace, 'web');
      assert.equal(replicaSet?.metadata?.annotations?.[REVISION_ANNOTATION], '1');
      assert.equal(await settledReplicaSetCount(namespace, 'web', { stableForMs: 2000 }), 1);
    }, { prefix: 'cp-create' });
  });

  test('a JSON Patch that sets a pod-template annotation makes exactly one new ReplicaSet (revision 2)', async () => {
    await withTestNamespace(async (namespace) => {
      const apps = await createDeploymentWithOneReplicaSet(namespace, 'web');
      await waitForDeploymentObserved(namespace, 'web');

      await apps.patchNamespacedDeployment(
        { namespace, name: 'web', body: [{ op: 'add', path: checksumPointer, value: 'sha256:0123abcd' }] },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );

      assert.equal(await waitForDeploymentObserved(namespace, 'web'), '2');
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 2);
      const newest = (await replicaSetsOf(namespace, 'web')).at(-1);
      assert.equal(newest?.metadata?.annotations?.[REVISION_ANNOTATION], '2');
      assert.equal(newest?.spec?.template?.metadata?.annotations?.[CHECKSUM_ANNOTATION], 'sha256:0123abcd');
    }, { prefix: 'cp-jsonpatch' });
  });

  test('a metadata-only label change on the Deployment makes no new ReplicaSet', async () => {
    await withTestNamespace(async (namespace) => {
      const apps = await createDeploymentWithOneReplicaSet(namespace, 'web');
      await waitForDeploymentObserved(namespace, 'web');

      await apps.patchNamespacedDeployment(
        { namespace, name: 'web', body: { metadata: { labels: { team: 'payments' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      // Labels do not bump the generation. A later spec change that cannot roll does, and
      // once the controller has observed it, it has also seen the label change.
      await apps.patchNamespacedDeployment(
        { namespace, name: 'web', body: { spec: { revisionHistoryLimit: 9 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );

      assert.equal(await waitForDeploymentObserved(namespace, 'web'), '1');
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1);
      const deployment = await apps.readNamespacedDeployment({ namespace, name: 'web' });
      assert.equal(deployment.metadata?.labels?.team, 'payments');
    }, { prefix: 'cp-labels' });
  });

  test('a ServiceAccount without a RoleBinding is refused list secrets (403): RBAC is on', async () => {
    await withTestNamespace(async (namespace) => {
      const admin = adminKubeConfig();
      await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'nobody' } } });
      const dir = await mkdtemp(join(tmpdir(), 'confighash-sa-'));
      try {
        const file = await writeServiceAccountKubeconfig({
          adminKubeconfig: testCluster().kubeconfig,
          namespace,
          serviceAccount: 'nobody',
          outFile: join(dir, 'kubeconfig'),
          kubectl: join(testCluster().binDir, 'kubectl'),
          durationSeconds: 600,
        });
        const text = await readFile(file, 'utf8');
        assert.match(text, /certificate-authority-data: \S+/);
        assert.doesNotMatch(text, /insecure-skip-tls-verify/);
        const adminToken = admin.getCurrentUser()?.token;
        assert.ok(adminToken && !text.includes(adminToken), 'the ServiceAccount kubeconfig must not carry the admin token');

        const asServiceAccount = new KubeConfig();
        asServiceAccount.loadFromFile(file);
        // Authenticated (not 401) as the ServiceAccount...
        const review = await asServiceAccount.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
        assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${namespace}:nobody`);
        // ...and not authorised.
        await assert.rejects(
          asServiceAccount.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace }),
          (error: unknown) => error instanceof ApiException && error.code === 403,
        );
        // The admin may, so the 403 is RBAC and not a broken API.
        await admin.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, { prefix: 'cp-rbac' });
  });

  test('with simulated nodes, kubectl rollout status completes, also after a template change', async (t) => {
    const nodes = await adminKubeConfig().makeApiClient(CoreV1Api).listNode();
    if (nodes.items.length === 0) {
      t.skip('this cluster has no nodes (started with simulatedNodes: false)');
      return;
    }
    await withTestNamespace(async (namespace) => {
      const apps = await createDeploymentWithOneReplicaSet(namespace, 'web', 2);
      await kubectl(['rollout', 'status', 'deployment/web', '-n', namespace, '--timeout=120s']);
      const pods = await adminKubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
      assert.equal(pods.items.filter((pod) => pod.status?.phase === 'Running').length, 2);

      await apps.patchNamespacedDeployment(
        { namespace, name: 'web', body: [{ op: 'add', path: checksumPointer, value: 'sha256:feed' }] },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      await kubectl(['rollout', 'status', 'deployment/web', '-n', namespace, '--timeout=120s']);
      const deployment = await apps.readNamespacedDeployment({ namespace, name: 'web' });
      assert.equal(deployment.status?.updatedReplicas, 2);
      assert.equal(deployment.status?.availableReplicas, 2);
    }, { prefix: 'cp-rollout' });
  });
});
