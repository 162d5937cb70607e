// The namespaced overlay moved into an application's namespace the way the README shows (a
// NamespaceTransformer): the admission policies are cluster-scoped and name no namespace, so the
// controller running there as its own ServiceAccount still writes its WorkloadRecords, and an
// AppConfig there is still judged.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { writeServiceAccountKubeconfig } from '../../scripts/lib/control-plane/index.ts';
import { KUSTOMIZE_DIR, kustomizeBuild, parseManifests, toYaml, withoutControllerWorkload, type Manifest } from '../../scripts/lib/kustomize.ts';
import { kubectl, testCluster } from '../support/cluster.ts';
import { workloadConsuming } from '../support/consumers.ts';
import { applyManifests } from '../support/controller-access.ts';
import { appConfigManifest, configMapManifest, waitForAdoption } from '../support/controller-harness.ts';
import { startController } from '../support/controller-process.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { settledReplicaSetCount } from '../support/rollouts.ts';
import { createTenantUser, grant } from '../support/tenant-users.ts';
import { waitFor } from '../support/wait.ts';

/** The README's recipe: the namespaced overlay, every object and binding subject moved into `namespace`. */
async function namespacedOverlayIn(namespace: string): Promise<Manifest[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'confighash-namespaced-'));
  try {
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [relative(scratch, join(KUSTOMIZE_DIR, 'overlays/namespaced'))],
      transformers: [
        stringify({ apiVersion: 'builtin', kind: 'NamespaceTransformer', metadata: { name: 'to-app', namespace }, setRoleBindingSubjects: 'allServiceAccounts' }),
      ],
    };
    await writeFile(join(scratch, 'kustomization.yaml'), stringify(kustomization));
    return parseManifests(await kustomizeBuild(testCluster().binDir, scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

describe('the namespaced overlay in an application namespace', () => {
  it('lets the controller there write its records and roll once, and still judges AppConfigs written there', async () => {
    await withTestNamespace(async (ns) => {
      const manifests = withoutControllerWorkload(await namespacedOverlayIn(ns), ns).filter((m) => m.kind !== 'Namespace');
      assert.ok(manifests.some((m) => m.kind === 'ServiceAccount' && m.metadata.namespace === ns), 'the ServiceAccount moved along');
      await applyManifests(toYaml(manifests));
      await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/appconfigs.confighash.dev', 'crd/workloadrecords.confighash.dev']);
      const cluster = testCluster();
      const kubeconfig = await writeServiceAccountKubeconfig({
        adminKubeconfig: cluster.kubeconfig,
        namespace: ns,
        serviceAccount: 'confighash',
        outFile: join(await mkdtemp(join(tmpdir(), 'confighash-app-sa-')), 'kubeconfig'),
        kubectl: join(cluster.binDir, 'kubectl'),
      });
      const controller = await startController({ kubeconfig, args: ['--namespace', ns, '--debounce', '0'], env: { POD_NAMESPACE: ns } });
      try {
        const apply = (...objects: object[]) => kubectl(['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
        await apply(
          configMapManifest('web-config', { A: '1' }),
          workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['web-config'] }),
          appConfigManifest('web', { configMaps: [{ name: 'web-config' }] }),
        );
        await waitForAdoption(ns, 'Deployment', 'web');
        await kubectl(['-n', ns, 'patch', 'configmap', 'web-config', '--type=merge', '-p', JSON.stringify({ data: { A: '2' } })]);
        await waitFor(async () => (await settledReplicaSetCount(ns, 'web')) === 2, { description: 'one rollout', timeoutMs: 60_000 });
        assert.doesNotMatch(controller.logs(), /confighash-workloadrecord-writers/, 'the record policy never refused the controller');
      } finally {
        await controller.stop();
      }

      const dave = await createTenantUser(ns, 'dave');
      await grant(ns, dave, 'appconfig-author', ['create'], ['appconfigs.confighash.dev']);
      const denied = await dave.kubectl(['-n', ns, 'create', '--dry-run=server', '-f', '-'], JSON.stringify(appConfigManifest('mine', { configMaps: [{ name: 'web-config' }] })));
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, new RegExp(`user ${dave.username} may not patch \\w+ in namespace ${ns}`));
    });
  });
});
