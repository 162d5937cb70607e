import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FactStore } from '../../../src/k8s/fact-store.ts';
import { workloadFacts } from '../../../src/k8s/projections.ts';

function deployment(name: string, configMaps: string[], namespace = 'shop') {
  return workloadFacts('Deployment', {
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
    spec: { template: { spec: { containers: [{ name: 'app', envFrom: configMaps.map((cm) => ({ configMapRef: { name: cm } })) }] } } },
  });
}

describe('FactStore', () => {
  it('finds the workloads referencing a ConfigMap through its reverse index, per namespace', () => {
    const store = new FactStore();
    store.setWorkload(deployment('web', ['web-config', 'shared']));
    store.setWorkload(deployment('worker', ['shared']));
    store.setWorkload(deployment('web', ['shared'], 'other'));
    assert.deepEqual(store.workloadsReferencing('shop', 'ConfigMap/shared').map((w) => w.name).sort(), ['web', 'worker']);
    assert.deepEqual(store.workloadsReferencing('shop', 'ConfigMap/web-config').map((w) => w.name), ['web']);
    assert.deepEqual(store.workloadsReferencing('other', 'ConfigMap/web-config'), []);
  });

  it('updates the reverse index when a workload stops referencing a ConfigMap or is deleted', () => {
    const store = new FactStore();
    store.setWorkload(deployment('web', ['a', 'b']));
    store.setWorkload(deployment('web', ['b']));
    assert.deepEqual(store.workloadsReferencing('shop', 'ConfigMap/a'), []);
    store.deleteWorkload('shop', 'Deployment/web');
    assert.deepEqual(store.workloadsReferencing('shop', 'ConfigMap/b'), []);
    assert.deepEqual(store.counts(), { sources: 0, workloads: 0, appConfigs: 0 });
  });

  it('returns the digest a source update replaced, so the caller can tell content changes from metadata edits', () => {
    const store = new FactStore();
    const first = { data: { A: 'x' }, binaryData: {} };
    assert.equal(store.setSource('shop', 'ConfigMap/a', first), undefined);
    assert.equal(store.setSource('shop', 'ConfigMap/a', { data: { A: 'y' }, binaryData: {} }), first);
    assert.deepEqual(store.sourceIds('shop', 'ConfigMap'), ['ConfigMap/a']);
    assert.deepEqual(store.sourceIds('shop', 'Secret'), []);
  });
});
