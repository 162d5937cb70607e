import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BASELINE_ANNOTATION, CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { digestConfigMapContent } from '../../../src/core/checksum.ts';
import { sameDigest, sameWorkloadFacts, workloadFacts } from '../../../src/k8s/projections.ts';

const deployment = (overrides: { resourceVersion?: string; replicas?: number; checksum?: string; baseline?: string } = {}) => ({
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u1',
    generation: 3,
    resourceVersion: overrides.resourceVersion ?? '10',
    labels: { app: 'web' },
    ...(overrides.baseline ? { annotations: { [BASELINE_ANNOTATION]: overrides.baseline } } : {}),
  },
  spec: {
    replicas: overrides.replicas ?? 1,
    template: {
      metadata: { labels: { app: 'web' }, ...(overrides.checksum ? { annotations: { [CHECKSUM_ANNOTATION]: overrides.checksum } } : {}) },
      spec: { containers: [{ name: 'app', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'A' } } }] }] },
    },
  },
  status: { replicas: 1 },
});

describe('projections', () => {
  it('keeps the references, the recorded checksum and baseline of a workload, not its pod template', () => {
    const facts = workloadFacts('Deployment', deployment({ checksum: 'v1.abc', baseline: 'v1.def' }));
    assert.equal(facts.templateChecksum, 'v1.abc');
    assert.equal(facts.baseline, 'v1.def');
    assert.deepEqual([...facts.references], [['ConfigMap/cfg', { kind: 'keys', keys: ['A'] }]]);
    assert.equal('spec' in facts, false);
  });

  it('treats a status-only update of a workload as no change', () => {
    const before = workloadFacts('Deployment', deployment({ resourceVersion: '10' }));
    const after = workloadFacts('Deployment', deployment({ resourceVersion: '11' }));
    assert.ok(sameWorkloadFacts(before, after));
    assert.ok(!sameWorkloadFacts(before, workloadFacts('Deployment', deployment({ checksum: 'v1.abc' }))));
  });

  it('compares digests by content, whatever the key order', () => {
    const a = digestConfigMapContent({ data: { A: '1', B: '2' } });
    const b = digestConfigMapContent({ data: { B: '2', A: '1' } });
    assert.ok(sameDigest(a, b));
    assert.ok(!sameDigest(a, digestConfigMapContent({ data: { A: '1', B: '3' } })));
    assert.ok(!sameDigest(a, undefined));
  });
});
