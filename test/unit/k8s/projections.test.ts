import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { digestConfigMapContent } from '../../../src/core/checksum.ts';
import { observedRecord, sameDigest, sameWorkloadFacts, workloadFacts } from '../../../src/k8s/projections.ts';
import { kindSpec } from '../support/workload-kinds.ts';

const deployment = (overrides: { resourceVersion?: string; replicas?: number; checksum?: string; image?: string } = {}) => ({
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u1',
    generation: 3,
    resourceVersion: overrides.resourceVersion ?? '10',
    labels: { app: 'web' },
  },
  spec: {
    replicas: overrides.replicas ?? 1,
    template: {
      metadata: { labels: { app: 'web' }, ...(overrides.checksum ? { annotations: { [CHECKSUM_ANNOTATION]: overrides.checksum } } : {}) },
      spec: { containers: [{ name: 'app', image: overrides.image ?? 'app:1', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'A' } } }] }] },
    },
  },
  status: { replicas: 1 },
});

describe('projections', () => {
  it('keeps the references and the checksum of a workload, and a digest of its pod template instead of the template', () => {
    const facts = workloadFacts(kindSpec('Deployment'), deployment({ checksum: 'v1.abc' }));
    assert.equal(facts.templateChecksum, 'v1.abc');
    assert.equal(typeof facts.templateDigest, 'string');
    assert.deepEqual([...facts.references], [['ConfigMap/cfg', { kind: 'keys', keys: ['A'] }]]);
    assert.equal('spec' in facts, false);
  });

  it('treats a status-only update of a workload as no change', () => {
    const before = workloadFacts(kindSpec('Deployment'), deployment({ resourceVersion: '10' }));
    const after = workloadFacts(kindSpec('Deployment'), deployment({ resourceVersion: '11' }));
    assert.ok(sameWorkloadFacts(before, after));
    assert.ok(!sameWorkloadFacts(before, workloadFacts(kindSpec('Deployment'), deployment({ checksum: 'v1.abc' }))));
  });

  it('gives the same template digest for the same template and another one when the image changes, but not for a scale', () => {
    const digest = (o: ReturnType<typeof deployment>) => workloadFacts(kindSpec('Deployment'), o).templateDigest;
    assert.equal(digest(deployment()), digest(deployment({ resourceVersion: '99', replicas: 5 })));
    assert.notEqual(digest(deployment()), digest(deployment({ image: 'app:2' })));
  });

  it('compares digests by content, whatever the key order', () => {
    const a = digestConfigMapContent({ data: { A: '1', B: '2' } });
    const b = digestConfigMapContent({ data: { B: '2', A: '1' } });
    assert.ok(sameDigest(a, b));
    assert.ok(!sameDigest(a, digestConfigMapContent({ data: { A: '1', B: '3' } })));
    assert.ok(!sameDigest(a, undefined));
  });

  it("reads a CronJob's pod template in its job template: references, checksum, and nothing that rolls", () => {
    const cronJob = {
      metadata: { name: 'report', namespace: 'shop', uid: 'u2', generation: 4 },
      spec: {
        schedule: '0 * * * *',
        jobTemplate: {
          spec: {
            template: {
              metadata: { annotations: { [CHECKSUM_ANNOTATION]: 'v1.abc' } },
              spec: { containers: [{ name: 'job', image: 'job:1', envFrom: [{ configMapRef: { name: 'report-config' } }] }] },
            },
          },
        },
      },
      status: {},
    };
    const facts = workloadFacts(kindSpec('CronJob'), cronJob);
    assert.equal(facts.templatePointer, '/spec/jobTemplate/spec/template');
    assert.equal(facts.templateChecksum, 'v1.abc');
    assert.deepEqual([...facts.references.keys()], ['ConfigMap/report-config']);
    assert.deepEqual(facts.progress, { observedGeneration: 4, desired: 0, updated: 0, total: 0, available: 0, deadlineExceeded: false, reportsDeadline: false });
  });

  it("reads an Argo Rollout's progress, whose observedGeneration is a string", () => {
    const rollout = {
      ...deployment(),
      status: {
        observedGeneration: '3',
        replicas: 2,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
    };
    const facts = workloadFacts(kindSpec('Rollout'), rollout);
    assert.equal(facts.kind, 'Rollout');
    assert.deepEqual(facts.progress, { observedGeneration: 3, desired: 1, updated: 1, total: 2, available: 1, deadlineExceeded: true, reportsDeadline: true });
    const unreadable = workloadFacts(kindSpec('Rollout'), { ...rollout, status: { observedGeneration: 'abc' } });
    assert.equal(unreadable.progress.observedGeneration, 0);
  });

  it('reads where an Argo Rollout takes its pod template from (spec.workloadRef to an apps/v1 Deployment), and nothing else', () => {
    const rollout = (workloadRef: unknown) => ({ metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 1, workloadRef } });
    assert.deepEqual(workloadFacts(kindSpec('Rollout'), rollout({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' })).templateFrom, { kind: 'Deployment', name: 'web' });
    assert.equal(workloadFacts(kindSpec('Rollout'), rollout({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web' })).templateFrom, undefined);
    assert.equal(workloadFacts(kindSpec('Rollout'), rollout(undefined)).templateFrom, undefined);
    assert.equal(workloadFacts(kindSpec('Deployment'), rollout({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' })).templateFrom, undefined, 'only kinds that have such a reference');
  });
});

describe('observedRecord: who wrote the record', () => {
  const spec = { workload: { kind: 'Deployment', name: 'web', uid: 'u1' }, checksum: 'c', placement: 'Baseline' as const, sources: [] };
  const entry = (manager: string, fields: Record<string, unknown>) => ({ manager, operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: fields });
  const recordWith = (managedFields: unknown[]) => observedRecord({ metadata: { name: 'u1', namespace: 'shop', resourceVersion: '1', managedFields } as never, spec });

  it('names every field manager other than confighash that owns part of the spec', () => {
    const record = recordWith([entry('confighash', { 'f:spec': {} }), entry('kubectl-edit', { 'f:spec': { 'f:checksum': {} } }), entry('mallory', { 'f:spec': {} })]);
    assert.deepEqual(record?.otherSpecWriters, ['kubectl-edit', 'mallory']);
  });

  it('does not count a manager that only touched metadata (the garbage collector orphaning it)', () => {
    const record = recordWith([entry('confighash', { 'f:spec': {} }), entry('kube-controller-manager', { 'f:metadata': { 'f:ownerReferences': {} } })]);
    assert.deepEqual(record?.otherSpecWriters, []);
  });
});

describe('workloadFacts of a pod template that a CRD lets hold any JSON (found by the property tests)', () => {
  it('treats template metadata or annotations that are not objects as absent, so the checksum patch replaces them and stays valid', async () => {
    const { templateChecksumOps } = await import('../../../src/core/patch.ts');
    const jsonPatch = (await import('fast-json-patch')).default;
    for (const metadata of [[], 'x', 3, { annotations: [] }, { annotations: 'x' }]) {
      const object = { metadata: { name: 'web', namespace: 'shop', uid: 'u1', generation: 2 }, spec: { template: { metadata, spec: { containers: [] } } } };
      const facts = workloadFacts(kindSpec('Rollout'), object as never);
      const ops = templateChecksumOps(facts, 'v1.new');
      assert.equal(jsonPatch.validate(ops, structuredClone(object)), undefined, JSON.stringify(metadata));
      const patched = jsonPatch.applyPatch(structuredClone(object), ops, true, false).newDocument as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
      assert.equal(patched.spec.template.metadata.annotations[CHECKSUM_ANNOTATION], 'v1.new');
    }
  });

  it('finds no references, rather than throwing, in containers, env or volumes that are not lists of objects', () => {
    const object = { metadata: { name: 'web', uid: 'u1' }, spec: { template: { spec: { volumes: {}, containers: [null, { envFrom: 5, env: 'x' }], initContainers: [{ env: [{ valueFrom: { configMapKeyRef: { name: 'a' } } }] }] } } } };
    assert.deepEqual([...workloadFacts(kindSpec('Rollout'), object as never).references.keys()], []);
  });
});
