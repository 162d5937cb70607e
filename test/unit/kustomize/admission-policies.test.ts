import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BREAK_GLASS_GROUP, NOT_A_VERB, RECORD_WRITER_VERB } from '../../../src/api/admission-policy.ts';
import { kindsLiteral, POLICY_NAME } from '../../../src/api/appconfig-author-policy.ts';
import { readManifest, readManifests } from './manifests.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

test('the record policy lets in whoever holds the record-writer verb but not a wildcard, the garbage collector, and the break-glass group the docs name', async () => {
  const [policy] = await readManifests('kustomize/base/admission-workloadrecord-writers.yaml');
  const text = JSON.stringify(policy);
  assert.ok(text.includes(`check('${RECORD_WRITER_VERB}').allowed()`), 'the controller, by its grant');
  assert.ok(text.includes(`!authorizer.group('confighash.dev').resource('workloadrecords').namespace(request.namespace).check('${NOT_A_VERB}').allowed()`), 'not a wildcard');
  assert.ok(text.includes(`'${BREAK_GLASS_GROUP}'`), 'the break-glass group');
  assert.ok(text.includes('generic-garbage-collector') && text.includes('namespace-controller'), 'the garbage collector and the namespace controller');
  assert.ok(!text.includes('confighash-system'), 'no namespace: it follows the controller wherever it is installed');
});

test('the controller, and only it, is granted the record-writer verb, cluster-wide and in the namespaced overlay', async () => {
  for (const path of ['kustomize/base/clusterrole.yaml', 'kustomize/overlays/namespaced/role-watch.yaml']) {
    const rules = (await readManifest(path)) as unknown as { rules: Rule[] };
    assert.ok(rules.rules.some((r) => r.resources.includes('workloadrecords') && r.verbs.includes(RECORD_WRITER_VERB)), path);
  }
  for (const role of await readManifests('kustomize/base/clusterroles-aggregated.yaml')) {
    const rules = (role as unknown as { rules: Rule[] }).rules;
    assert.ok(!rules.some((r) => r.resources.includes('workloadrecords') && r.verbs.some((v) => v !== 'get' && v !== 'list' && v !== 'watch')), `${role.metadata.name} writes no records`);
  }
});

test('the AppConfig policy asks about exactly the default kinds, needs no parameters, and its binding denies', async () => {
  const [policy, binding] = await readManifests('kustomize/base/admission-appconfig-author.yaml');
  const spec = (policy as unknown as { spec: { paramKind?: unknown; variables: { name: string; expression: string }[] } }).spec;
  assert.equal(spec.paramKind, undefined);
  assert.deepEqual(spec.variables[0], { name: 'resources', expression: kindsLiteral() });
  assert.equal(kindsLiteral(), "{'Deployment': 'apps/deployments', 'StatefulSet': 'apps/statefulsets', 'DaemonSet': 'apps/daemonsets', 'CronJob': 'batch/cronjobs'}");
  assert.deepEqual((binding as unknown as { spec: object }).spec, { policyName: POLICY_NAME, validationActions: ['Deny'] });
  const kustomization = (await readManifest('kustomize/base/kustomization.yaml')) as unknown as { resources: string[] };
  for (const file of ['admission-appconfig-author.yaml', 'admission-workloadrecord-writers.yaml', 'clusterroles-aggregated.yaml', 'networkpolicy.yaml']) {
    assert.ok(kustomization.resources.includes(file), `the base includes ${file}`);
  }
});
