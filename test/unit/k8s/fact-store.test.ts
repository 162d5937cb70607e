import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FactStore } from '../../../src/k8s/fact-store.ts';
import { workloadFacts } from '../../../src/k8s/projections.ts';
import { kindSpec } from '../support/workload-kinds.ts';

function deployment(name: string, configMaps: string[], namespace = 'shop', { image = 'app:1', resourceVersion = '10' } = {}) {
  return workloadFacts(kindSpec('Deployment'), {
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1, resourceVersion },
    spec: { template: { spec: { containers: [{ name: 'app', image, envFrom: configMaps.map((cm) => ({ configMapRef: { name: cm } })) }] } } },
  });
}

const digest = (value: string) => ({ data: { A: value }, binaryData: {} });

describe('FactStore', () => {
  it('finds the workloads referencing a ConfigMap through its reverse index, per namespace', () => {
    const store = new FactStore();
    store.setWorkload(deployment('web', ['web-config', 'shared']), 'list');
    store.setWorkload(deployment('worker', ['shared']), 'list');
    store.setWorkload(deployment('web', ['shared'], 'other'), 'list');
    assert.deepEqual(store.workloadsReferencing('shop', 'ConfigMap/shared').map((w) => w.name).sort(), ['web', 'worker']);
    assert.deepEqual(store.workloadsReferencing('shop', 'ConfigMap/web-config').map((w) => w.name), ['web']);
    assert.deepEqual(store.workloadsReferencing('other', 'ConfigMap/web-config'), []);
  });

  it('updates the reverse index when a workload stops referencing a ConfigMap or is deleted', () => {
    const store = new FactStore();
    store.setWorkload(deployment('web', ['a', 'b']), 'list');
    store.setWorkload(deployment('web', ['b']), 'list');
    assert.deepEqual(store.workloadsReferencing('shop', 'ConfigMap/a'), []);
    store.deleteWorkload('shop', 'Deployment/web');
    assert.deepEqual(store.workloadsReferencing('shop', 'ConfigMap/b'), []);
    assert.deepEqual(store.counts(), { sources: 0, workloads: 0, appConfigs: 0, records: 0, baselines: 0, namespaces: 0 });
  });

  it('returns the digest a source update replaced, so the caller can tell content changes from metadata edits', () => {
    const store = new FactStore();
    const first = { data: { A: 'x' }, binaryData: {} };
    assert.equal(store.setSource('shop', 'ConfigMap/a', first), undefined);
    assert.equal(store.setSource('shop', 'ConfigMap/a', { data: { A: 'y' }, binaryData: {} }), first);
    assert.deepEqual(store.sourceIds('shop', 'ConfigMap'), ['ConfigMap/a']);
    assert.deepEqual(store.sourceIds('shop', 'Secret'), []);
  });

  it('stamps content and template changes in the order it observes them, and 0 before the initial sync', () => {
    const store = new FactStore();
    store.setSource('shop', 'ConfigMap/a', digest('1'));
    store.setWorkload(deployment('web', ['a']), 'list');
    assert.equal(store.sourceChangedAt('shop', 'ConfigMap/a'), 0);
    assert.equal(store.workload('shop', 'Deployment/web')?.templateChangedAt, undefined);
    store.markSynced();

    store.setSource('shop', 'ConfigMap/a', digest('2'));
    const contentStamp = store.sourceChangedAt('shop', 'ConfigMap/a');
    store.setWorkload(deployment('web', ['a'], 'shop', { image: 'app:2', resourceVersion: '11' }), 'watch');
    const templateStamp = store.workload('shop', 'Deployment/web')?.templateChangedAt ?? 0;
    assert.ok(contentStamp > 0 && templateStamp > contentStamp, `content ${contentStamp}, then template ${templateStamp}`);

    store.setSource('shop', 'ConfigMap/a', digest('2'));
    assert.equal(store.sourceChangedAt('shop', 'ConfigMap/a'), contentStamp, 'same content keeps its stamp');
    store.setWorkload(deployment('web', ['a'], 'shop', { image: 'app:2', resourceVersion: '12' }), 'watch');
    assert.equal(store.workload('shop', 'Deployment/web')?.templateChangedAt, templateStamp, 'a status update keeps the template stamp');
  });

  it('keeps what the initial list saw of a source that a watch event changed before the sync ended, and stamps that change as live', () => {
    const store = new FactStore();
    store.setSource('shop', 'ConfigMap/a', digest('listed'), 'list');
    store.setSource('shop', 'ConfigMap/a', digest('during-sync'), 'watch');
    store.setSource('shop', 'ConfigMap/a', digest('later-during-sync'), 'watch');
    store.setSource('shop', 'ConfigMap/new', digest('created'), 'watch');
    store.setSource('shop', 'ConfigMap/gone', digest('listed'), 'list');
    store.deleteSource('shop', 'ConfigMap/gone');
    const listed = store.asListed();
    assert.deepEqual(listed.source('shop', 'ConfigMap/a'), digest('listed'));
    assert.equal(listed.source('shop', 'ConfigMap/new'), undefined, 'not there when listed');
    assert.deepEqual(listed.source('shop', 'ConfigMap/gone'), digest('listed'), 'deleted after the list');
    assert.deepEqual(store.source('shop', 'ConfigMap/a'), digest('later-during-sync'), 'the store itself holds the newest content');
    assert.equal(store.sourceChangedAt('shop', 'ConfigMap/a'), 0);

    store.markSynced();
    assert.ok(store.sourceChangedAt('shop', 'ConfigMap/a') > 0, 'a change seen live during the lists is newer than what the lists saw');
    assert.ok(store.sourceChangedAt('shop', 'ConfigMap/new') > 0);
    assert.deepEqual(store.asListed().source('shop', 'ConfigMap/a'), digest('later-during-sync'), 'after the sync the view is the store');
    store.setSource('shop', 'ConfigMap/b', digest('1'), 'watch');
    assert.deepEqual(store.asListed().source('shop', 'ConfigMap/b'), digest('1'));
  });

  it('keeps an adoption baseline until the record of its workload is stored, or the workload is deleted', () => {
    const store = new FactStore();
    const web = deployment('web', ['a']);
    store.setWorkload(web, 'list');
    const baseline = { workload: { kind: 'Deployment' as const, name: 'web', uid: web.uid }, checksum: 'c1', placement: 'Baseline' as const, sources: [] };
    store.setBaseline('shop', baseline);
    assert.equal(store.baseline('shop', web.uid), baseline);
    store.setRecord({ namespace: 'shop', name: 'r', resourceVersion: '5', otherSpecWriters: [], spec: { ...baseline, checksum: 'c2' } });
    assert.equal(store.baseline('shop', web.uid), undefined, 'the record took over');

    store.setBaseline('shop', baseline);
    store.deleteWorkload('shop', 'Deployment/web');
    assert.equal(store.baseline('shop', web.uid), undefined, 'gone with its workload');
    assert.equal(store.counts().baselines, 0);
  });

  it('does not stamp a template change found by a relist: its time is unknown', () => {
    const store = new FactStore();
    store.setWorkload(deployment('web', ['a']), 'list');
    store.markSynced();
    store.setWorkload(deployment('web', ['a'], 'shop', { image: 'app:2', resourceVersion: '20' }), 'list');
    assert.equal(store.workload('shop', 'Deployment/web')?.templateChangedAt, undefined);
  });

  it('ignores a watch event older than the response of its own write', () => {
    const store = new FactStore();
    store.markSynced();
    store.setWorkload(deployment('web', ['a'], 'shop', { resourceVersion: '10' }), 'list');
    store.setWorkload(deployment('web', ['a'], 'shop', { image: 'app:2', resourceVersion: '12' }), 'write');
    const { current } = store.setWorkload(deployment('web', ['a'], 'shop', { image: 'app:1', resourceVersion: '11' }), 'watch');
    assert.equal(current.resourceVersion, '12');
    assert.equal(store.workload('shop', 'Deployment/web')?.resourceVersion, '12');
  });

  it('forgets a namespace once its last object is gone', () => {
    const store = new FactStore();
    store.setSource('gone', 'ConfigMap/a', digest('1'));
    store.setWorkload(deployment('web', ['a'], 'gone'), 'list');
    store.deleteSource('gone', 'ConfigMap/a');
    store.deleteWorkload('gone', 'Deployment/web');
    assert.deepEqual(store.namespaces(), []);
  });

  it('stamps our own template write with its decision, so a content change seen while it was in flight stays newer', () => {
    const store = new FactStore();
    store.setWorkload(deployment('web', ['a']), 'list');
    store.markSynced();
    const decision = store.claimStamp();
    store.expectOwnTemplateWrite('shop', 'Deployment/web', 'v1.ours', decision);
    store.setSource('shop', 'ConfigMap/a', digest('2'));
    const withOurChecksum = workloadFacts(kindSpec('Deployment'), {
      metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation: 2, resourceVersion: '11' },
      spec: { template: { metadata: { annotations: { 'confighash.dev/checksum': 'v1.ours' } }, spec: { containers: [{ name: 'app', image: 'app:1', envFrom: [{ configMapRef: { name: 'a' } }] }] } } },
    });
    store.setWorkload(withOurChecksum, 'watch');
    assert.equal(store.workload('shop', 'Deployment/web')?.templateChangedAt, decision);
    assert.ok(store.sourceChangedAt('shop', 'ConfigMap/a') > decision, 'the edit seen during the write is newer than the write');
  });

  it('finds the workloads that take their pod template from a Deployment (workloadRef), and forgets them when they change or go', () => {
    const store = new FactStore();
    const rollout = (name: string, workloadRef?: object) =>
      workloadFacts(kindSpec('Rollout'), { metadata: { name, namespace: 'shop', uid: `uid-${name}`, generation: 1, resourceVersion: '10' }, spec: { workloadRef } });
    store.setWorkload(deployment('web', []), 'list');
    store.setWorkload(rollout('web-rollout', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }), 'list');
    store.setWorkload(rollout('other', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }), 'list');
    assert.deepEqual(store.templateUsers('shop', 'Deployment', 'web').map((w) => w.name), ['web-rollout']);
    assert.deepEqual(store.templateUsers('other', 'Deployment', 'web'), []);
    store.setWorkload({ ...rollout('web-rollout'), resourceVersion: '11' }, 'watch');
    assert.deepEqual(store.templateUsers('shop', 'Deployment', 'web'), [], 'its reference removed');
    store.deleteWorkload('shop', 'Rollout/other');
    assert.deepEqual(store.templateUsers('shop', 'Deployment', 'api'), [], 'deleted');
  });
});
