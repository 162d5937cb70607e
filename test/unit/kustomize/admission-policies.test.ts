import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BREAK_GLASS_GROUP, COVERED_KINDS_CONFIGMAP } from '../../../src/api/admission-policy.ts';
import { POLICY_NAME } from '../../../src/api/appconfig-author-policy.ts';
import { DEFAULT_WORKLOAD_KINDS } from '../../../src/api/workload-kinds.ts';
import { readManifest, readManifests } from './manifests.ts';

test('the record policy lets in exactly the ServiceAccount the controller runs as, and the break-glass group the docs name', async () => {
  const serviceAccount = await readManifest('kustomize/base/serviceaccount.yaml');
  const kustomization = (await readManifest('kustomize/base/kustomization.yaml')) as unknown as { namespace: string };
  const [policy] = await readManifests('kustomize/base/admission-workloadrecord-writers.yaml');
  const expression = JSON.stringify(policy);
  assert.ok(expression.includes(`'system:serviceaccount:${kustomization.namespace}:${serviceAccount.metadata.name}'`), 'the controller');
  assert.ok(expression.includes(`'${BREAK_GLASS_GROUP}'`), 'the break-glass group');
  assert.ok(expression.includes('generic-garbage-collector') && expression.includes('namespace-controller'), 'the garbage collector and the namespace controller');
});

test('the AppConfig policy reads the covered kinds from the ConfigMap the base ships, in the controller namespace, and lists every default kind', async () => {
  const kustomization = (await readManifest('kustomize/base/kustomization.yaml')) as unknown as { namespace: string; resources: string[] };
  const [, binding] = await readManifests('kustomize/base/admission-appconfig-author.yaml');
  const paramRef = (binding as unknown as { spec: { policyName: string; paramRef: { name: string; namespace: string } } }).spec;
  assert.equal(paramRef.policyName, POLICY_NAME);
  assert.deepEqual(paramRef.paramRef, { name: COVERED_KINDS_CONFIGMAP, namespace: kustomization.namespace, parameterNotFoundAction: 'Deny' });
  const params = (await readManifest('kustomize/base/admission-covered-kinds.yaml')) as unknown as { data: Record<string, string> };
  assert.deepEqual(Object.keys(params.data).sort(), DEFAULT_WORKLOAD_KINDS.map((k) => k.kind).sort());
  for (const file of ['admission-appconfig-author.yaml', 'admission-covered-kinds.yaml', 'admission-workloadrecord-writers.yaml', 'clusterroles-aggregated.yaml', 'networkpolicy.yaml']) {
    assert.ok(kustomization.resources.includes(file), `the base includes ${file}`);
  }
});
