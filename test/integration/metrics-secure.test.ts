// --metrics-secure on the real apiserver: the controller serves HTTPS and answers /metrics
// only to a bearer token that a TokenReview accepts and a SubjectAccessReview allows to get
// the non-resource URL /metrics. RBAC comes from the kustomize components, as installed.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KUSTOMIZE_DIR, parseManifests, toYaml, type Manifest } from '../../scripts/lib/kustomize.ts';
import { kubectl } from '../support/cluster.ts';
import { applyManifests } from '../support/controller-access.ts';
import { controllerServiceAccountKubeconfig } from '../support/controller-harness.ts';
import { startController } from '../support/controller-process.ts';
import { withTestNamespace } from '../support/namespace.ts';

async function componentManifests(relativePath: string): Promise<Manifest[]> {
  return parseManifests(await readFile(join(KUSTOMIZE_DIR, relativePath), 'utf8'));
}

async function tokenOf(namespace: string, serviceAccount: string): Promise<string> {
  await kubectl(['-n', namespace, 'create', 'serviceaccount', serviceAccount]);
  return (await kubectl(['-n', namespace, 'create', 'token', serviceAccount])).stdout.trim();
}

describe('--metrics-secure', () => {
  it('answers a scrape without a token 401, one whose user may not get /metrics 403, and one who may the metrics; probes need no token', async () => {
    const kubeconfig = await controllerServiceAccountKubeconfig();
    await applyManifests(toYaml(await componentManifests('components/metrics-secure/clusterrole-metrics-auth.yaml')));
    await withTestNamespace(async (ns) => {
      // The monitoring component's reader role, bound to a scraper made here instead of Prometheus.
      const reader = (await componentManifests('components/monitoring/secure/clusterrole-metrics-reader.yaml')).map((m) =>
        m.kind === 'ClusterRoleBinding' ? { ...m, metadata: { ...m.metadata, name: `confighash-metrics-reader-${ns}` }, subjects: [{ kind: 'ServiceAccount', name: 'scraper', namespace: ns }] } : m,
      );
      await applyManifests(toYaml(reader));
      const allowedToken = await tokenOf(ns, 'scraper');
      const deniedToken = await tokenOf(ns, 'stranger');

      const controller = await startController({ kubeconfig, args: ['--namespace', ns, '--metrics-secure'], metricsScheme: 'https' });
      try {
        const anonymous = await controller.scrape();
        assert.equal(anonymous.status, 401);
        const bogus = await controller.scrape({ authorization: 'Bearer not-a-token' });
        assert.equal(bogus.status, 401, 'a token the apiserver does not know');
        const stranger = await controller.scrape({ authorization: `Bearer ${deniedToken}` });
        assert.equal(stranger.status, 403);
        assert.doesNotMatch(stranger.body, /confighash_/, 'no metrics for a user who may not get /metrics');
        const scraper = await controller.scrape({ authorization: `Bearer ${allowedToken}` });
        assert.equal(scraper.status, 200);
        assert.match(scraper.body, /# TYPE confighash_\w+ /);
        // startController waited for /readyz over HTTPS without a token: the kubelet's probes work.
      } finally {
        await controller.stop();
        // Leave the shared cluster as the kustomize base alone defines it.
        await kubectl(['delete', 'clusterrolebinding', `confighash-metrics-reader-${ns}`, 'confighash-metrics-auth', '--ignore-not-found']);
      }
    });
  });
});
