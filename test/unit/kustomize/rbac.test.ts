import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HMAC_SECRET_NAME } from '../../../src/api/constants.ts';
import { readManifest, type Manifest } from './manifests.ts';

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

function rulesOf(manifest: Manifest): PolicyRule[] {
  return (manifest as unknown as { rules: PolicyRule[] }).rules;
}

/** One line per (group, resource, name, verb), so rule sets compare regardless of how they are grouped. */
function grants(rules: PolicyRule[]): string[] {
  const lines: string[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? ['']) {
      for (const resource of rule.resources ?? []) {
        for (const name of rule.resourceNames ?? ['*']) {
          for (const verb of rule.verbs) lines.push(`${group}/${resource}/${name}:${verb}`);
        }
      }
    }
  }
  return lines.sort();
}

test('the namespaced overlay grants in one namespace exactly what the base ClusterRole grants cluster-wide', async () => {
  const clusterRole = await readManifest('kustomize/base/clusterrole.yaml');
  const namespacedRole = await readManifest('kustomize/overlays/namespaced/role-watch.yaml');
  assert.equal(namespacedRole.kind, 'Role');
  assert.deepEqual(grants(rulesOf(namespacedRole)), grants(rulesOf(clusterRole)));
});

test('the cluster-wide rules only read ConfigMaps and Secrets and only patch workloads', async () => {
  const rules = rulesOf(await readManifest('kustomize/base/clusterrole.yaml'));
  for (const rule of rules) {
    assert.ok(![...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs].includes('*'), 'no wildcards');
  }
  const lines = grants(rules);
  assert.deepEqual(lines.filter((line) => line.startsWith('/')), [
    '/configmaps/*:list',
    '/configmaps/*:watch',
    '/secrets/*:list',
    '/secrets/*:watch',
  ]);
  const workloadVerbs = new Set(lines.filter((line) => line.startsWith('apps/')).map((line) => line.split(':')[1]));
  assert.deepEqual([...workloadVerbs].sort(), ['list', 'patch', 'watch']);
  assert.ok(!lines.some((line) => /:(delete|deletecollection|escalate|bind|impersonate)$/.test(line)));
});

test('in its own namespace the controller reads only its HMAC-key Secret and manages only Leases', async () => {
  const role = await readManifest('kustomize/base/role.yaml');
  assert.deepEqual(grants(rulesOf(role)), [
    `/secrets/${HMAC_SECRET_NAME}:get`,
    '/secrets/*:create',
    'coordination.k8s.io/leases/*:create',
    'coordination.k8s.io/leases/*:get',
    'coordination.k8s.io/leases/*:update',
  ].sort());
});

test('every binding names the ServiceAccount the controller Deployment runs as', async () => {
  const deployment = await readManifest('kustomize/base/deployment.yaml');
  const account = (deployment as unknown as { spec: { template: { spec: { serviceAccountName: string } } } }).spec.template.spec
    .serviceAccountName;
  const serviceAccount = await readManifest('kustomize/base/serviceaccount.yaml');
  assert.equal(account, serviceAccount.metadata.name);
  for (const path of [
    'kustomize/base/clusterrolebinding.yaml',
    'kustomize/base/rolebinding.yaml',
    'kustomize/overlays/namespaced/rolebinding-watch.yaml',
  ]) {
    const binding = (await readManifest(path)) as unknown as { subjects: { kind: string; name: string }[] };
    assert.deepEqual(
      binding.subjects.map((s) => `${s.kind}/${s.name}`),
      [`ServiceAccount/${account}`],
      path,
    );
  }
});
