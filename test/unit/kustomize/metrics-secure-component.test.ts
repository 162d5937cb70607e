import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { stringify } from 'yaml';
import { kustomizeBuild, parseManifests, type Manifest } from '../../../scripts/lib/kustomize.ts';
import { repoRoot } from './manifests.ts';
import { findKustomizeBinDir } from './monitoring-tools.ts';

/** The cluster overlay with the metrics-secure component and the monitoring component in its secure mode, as a user's overlay would combine them. */
async function secureMonitoringBuild(binDir: string): Promise<Manifest[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'confighash-metrics-secure-'));
  try {
    const at = (path: string): string => relative(scratch, join(repoRoot, path));
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [at('kustomize/overlays/cluster')],
      components: [at('kustomize/components/metrics-secure'), at('kustomize/components/monitoring'), at('kustomize/components/monitoring/secure')],
    };
    await writeFile(join(scratch, 'kustomization.yaml'), stringify(kustomization));
    return parseManifests(await kustomizeBuild(binDir, scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

it('with --metrics-secure, the controller serves HTTPS probes, may review tokens and access, and Prometheus scrapes over HTTPS with its token and may get /metrics', async (t) => {
  const kustomize = await findKustomizeBinDir();
  if ('missing' in kustomize) return t.skip(kustomize.missing);
  const manifests = await secureMonitoringBuild(kustomize.binDir);
  const find = (kind: string, name: string): Record<string, unknown> => {
    const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
    assert.ok(found, `${kind} ${name}`);
    return found as Record<string, unknown>;
  };
  const container = (find('Deployment', 'confighash') as { spec: { template: { spec: { containers: { args: string[]; livenessProbe: { httpGet: { scheme?: string } }; readinessProbe: { httpGet: { scheme?: string } } }[] } } } }).spec.template.spec.containers[0]!;
  assert.ok(container.args.includes('--metrics-secure'));
  assert.equal(container.livenessProbe.httpGet.scheme, 'HTTPS');
  assert.equal(container.readinessProbe.httpGet.scheme, 'HTTPS');

  const auth = find('ClusterRole', 'confighash-metrics-auth') as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  assert.deepEqual(auth.rules.map((r) => `${r.apiGroups.join()}/${r.resources.join()}:${r.verbs.join()}`).sort(), ['authentication.k8s.io/tokenreviews:create', 'authorization.k8s.io/subjectaccessreviews:create']);
  const authBinding = find('ClusterRoleBinding', 'confighash-metrics-auth') as { subjects: { name: string; namespace: string }[] };
  assert.deepEqual(authBinding.subjects.map((s) => `${s.namespace}/${s.name}`), ['confighash-system/confighash']);

  const reader = find('ClusterRole', 'confighash-metrics-reader') as { rules: { nonResourceURLs: string[]; verbs: string[] }[] };
  assert.deepEqual(reader.rules, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  const endpoint = (find('ServiceMonitor', 'confighash') as { spec: { endpoints: Record<string, unknown>[] } }).spec.endpoints[0]!;
  assert.equal(endpoint.scheme, 'https');
  assert.equal(endpoint.bearerTokenFile, '/var/run/secrets/kubernetes.io/serviceaccount/token');
  assert.deepEqual(endpoint.tlsConfig, { insecureSkipVerify: true });
});
