import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestConfigMapContent } from '../../../src/core/checksum.ts';
import { sourceId } from '../../../src/core/references.ts';
import type { WorkloadFacts } from '../../../src/core/types.ts';
import { FactStore } from '../../../src/k8s/fact-store.ts';
import { workloadFacts } from '../../../src/k8s/projections.ts';
import { CoverageLookup } from '../../../src/reconcile/coverage-lookup.ts';
import { ReloaderCompat } from '../../../src/reconcile/reloader-compat.ts';
import { kindSpec } from '../support/workload-kinds.ts';

/** Deployment shop/web reads app-cm and other-cm, and is annotated reloader.stakater.com/auto=true. */
function world(annotations: Record<string, string> = { 'reloader.stakater.com/auto': 'true' }) {
  const store = new FactStore();
  const enqueued: string[] = [];
  const problems: string[] = [];
  const compat = new ReloaderCompat({
    store,
    enqueueWorkload: (w) => enqueued.push(`${w.kind}/${w.name}`),
    reportProblems: (w, found) => problems.push(`${w.name}: ${found.join('; ')}`),
  });
  const coverage = new CoverageLookup(store, compat.appConfigOf);
  const putWorkload = (name: string, extra: Record<string, string>): WorkloadFacts =>
    store.setWorkload(
      workloadFacts(kindSpec('Deployment'), {
        metadata: { name, namespace: 'shop', uid: `uid-${name}`, generation: 1, annotations: extra },
        spec: { template: { spec: { containers: [{ name: 'app', image: 'app:1', envFrom: [{ configMapRef: { name: 'app-cm' } }, { configMapRef: { name: 'other-cm' } }] }] } } },
      }),
      'list',
    ).current;
  const web = putWorkload('web', annotations);
  store.setSource('shop', sourceId('ConfigMap', 'app-cm'), digestConfigMapContent({ data: { a: '1' } }));
  store.setSource('shop', sourceId('ConfigMap', 'other-cm'), digestConfigMapContent({ data: { o: '1' } }));
  const counted = (workload: WorkloadFacts = web): string => {
    const desired = coverage.desiredChecksum(workload, 'unused0');
    return desired.kind === 'uncovered' ? '(uncovered)' : desired.sources.map((s) => `${s.kind}/${s.name}`).join(' ');
  };
  return { store, compat, coverage, counted, enqueued, problems, putWorkload };
}

describe('Reloader annotations in coverage', () => {
  it('an annotated workload without an AppConfig is covered by its annotations', () => {
    const { counted } = world();
    assert.equal(counted(), 'ConfigMap/app-cm ConfigMap/other-cm');
  });

  it('an AppConfig that covers the workload wins: the annotations then count for nothing', () => {
    const { store, counted } = world();
    store.setAppConfig({ namespace: 'shop', name: 'web', uid: 'uid-ac', generation: 1, spec: { configMaps: [{ name: 'app-cm' }] } });
    assert.equal(counted(), 'ConfigMap/app-cm');
    store.deleteAppConfig('shop', 'web');
    assert.equal(counted(), 'ConfigMap/app-cm ConfigMap/other-cm', 'without the AppConfig the annotations count again');
  });

  it('without the compatibility hook, annotations cover nothing', () => {
    const { store } = world();
    const plain = new CoverageLookup(store);
    const web = store.workload('shop', 'Deployment/web');
    assert.ok(web);
    assert.equal(plain.desiredChecksum(web, 'unused0').kind, 'uncovered');
  });

  it('a source marked ignore stops counting once its marks are observed', () => {
    const { compat, counted } = world();
    assert.equal(compat.marks.observe('shop', sourceId('ConfigMap', 'other-cm'), { 'reloader.stakater.com/ignore': 'true' }), true);
    assert.equal(counted(), 'ConfigMap/app-cm');
    assert.equal(compat.marks.observe('shop', sourceId('ConfigMap', 'other-cm'), { 'reloader.stakater.com/ignore': 'true' }), false, 'the same marks again are no news');
  });

  it('routes a source change to annotated workloads that read it or whose reload list may name it, and to no one else', () => {
    const { compat, enqueued, putWorkload } = world();
    putWorkload('plain', {});
    putWorkload('named', { 'configmap.reloader.stakater.com/reload': 'elsewhere-.*' });
    const listener = compat.listenerAround({ sourceChanged: () => {}, workloadChanged: () => {}, appConfigChanged: () => {}, recordChanged: () => {} }, () => true);
    listener.sourceChanged('shop', sourceId('ConfigMap', 'app-cm'));
    assert.deepEqual(enqueued.sort(), ['Deployment/named', 'Deployment/web']);
    enqueued.length = 0;
    listener.sourceChanged('shop', sourceId('Secret', 'unrelated'));
    assert.deepEqual(enqueued, [], 'no annotated workload reads or names a Secret');
  });

  it('reports a bad reload expression when the annotations change and on the full pass, not on every event', () => {
    const { compat, problems, putWorkload, store } = world({ 'configmap.reloader.stakater.com/reload': '(bad' });
    const listener = compat.listenerAround({ sourceChanged: () => {}, workloadChanged: () => {}, appConfigChanged: () => {}, recordChanged: () => {} }, () => true);
    compat.enqueueEverything();
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^web: configmap\.reloader\.stakater\.com\/reload: "\(bad" is not a regular expression/);
    const before = store.workload('shop', 'Deployment/web');
    const after = putWorkload('web', { 'configmap.reloader.stakater.com/reload': '(bad' });
    listener.workloadChanged(before, after);
    assert.equal(problems.length, 1, 'the same annotations again: no second report');
  });
});
