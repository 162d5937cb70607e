import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfigSpec } from '../../../src/api/appconfig.ts';
import { digestConfigMapContent } from '../../../src/core/checksum.ts';
import { sourceId } from '../../../src/core/references.ts';
import type { WorkloadFacts } from '../../../src/core/types.ts';
import { FactStore, type ObservedAppConfig } from '../../../src/k8s/fact-store.ts';
import { workloadFacts } from '../../../src/k8s/projections.ts';
import { AdoptionBaselines } from '../../../src/reconcile/adoption-baselines.ts';
import { ChangeRouter } from '../../../src/reconcile/change-router.ts';
import { CoverageLookup } from '../../../src/reconcile/coverage-lookup.ts';
import { decisionFor } from '../../../src/reconcile/decision-inputs.ts';
import type { WorkKey } from '../../../src/reconcile/work-key.ts';
import { kindSpec } from '../support/workload-kinds.ts';

const KEY_ID = 'key00001';
const NS = 'shop';

/** Deployment shop/<name> reading ConfigMap <configMap> through envFrom; `available` is its status. */
function deployment(name: string, configMap: string, { image = 'app:1', resourceVersion = '10', available = 1 } = {}): WorkloadFacts {
  return workloadFacts(kindSpec('Deployment'), {
    metadata: { name, namespace: NS, uid: `uid-${name}`, generation: 1, resourceVersion },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image, envFrom: [{ configMapRef: { name: configMap } }] }] } } },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: available },
  });
}

const content = (value: string) => digestConfigMapContent({ data: { k: value } });

/**
 * The watch side of the controller over a real FactStore: the store is updated first, then
 * the router hears of it, as cluster-watcher.ts does. Decisions come from decisionFor.
 */
function world() {
  const store = new FactStore();
  const coverage = new CoverageLookup(store);
  const baselines = new AdoptionBaselines(store, coverage, KEY_ID);
  const enqueued: WorkKey[] = [];
  const router = new ChangeRouter(store, coverage, baselines, (key) => enqueued.push(key));
  const ctx = { store, coverage, hmacKeyId: KEY_ID, rollOnAdoption: false, dryRun: false, now: () => new Date('2026-12-04T20:00:00Z') };
  return {
    store,
    enqueued,
    sync(): void {
      baselines.takeAtSync();
      store.markSynced();
    },
    listed(workload: WorkloadFacts): void {
      store.setWorkload(workload, 'list');
    },
    source(name: string, value: string, observation: 'list' | 'watch' = 'watch'): void {
      store.setSource(NS, sourceId('ConfigMap', name), content(value), observation);
      if (observation === 'watch') router.sourceChanged(NS, sourceId('ConfigMap', name));
    },
    workloadEvent(workload: WorkloadFacts): void {
      const { previous, current } = store.setWorkload(workload, 'watch');
      router.workloadChanged(previous, current);
    },
    appConfig(name: string, spec: AppConfigSpec, { live = true } = {}): void {
      const appConfig: ObservedAppConfig = { namespace: NS, name, uid: `uid-ac-${name}`, generation: 1, spec };
      const previous = store.setAppConfig(appConfig);
      if (live) router.appConfigChanged(previous, appConfig);
    },
    decide(name: string) {
      const workload = store.workload(NS, `Deployment/${name}`);
      assert.ok(workload, `Deployment ${name} is in the store`);
      return decisionFor(ctx, workload)?.decision;
    },
  };
}

/** Deployment web reading ConfigMap web (k=old), covered by AppConfig web, all seen by the initial lists. */
function syncedWithWebCovered(): ReturnType<typeof world> {
  const w = world();
  w.source('web', 'old', 'list');
  w.listed(deployment('web', 'web'));
  w.appConfig('web', { configMaps: [{ name: 'web' }] }, { live: false });
  w.sync();
  return w;
}

describe('adoption baselines, through the router over a real FactStore', () => {
  it('rolls a workload whose ConfigMap changed after the initial sync, before its adoption', () => {
    const w = syncedWithWebCovered();
    w.source('web', 'new');
    assert.equal(w.decide('web')?.kind, 'roll');
  });

  it('adopts without a rollout when nothing changed since the initial sync', () => {
    const w = syncedWithWebCovered();
    w.workloadEvent(deployment('web', 'web', { resourceVersion: '11', available: 0 }));
    assert.equal(w.decide('web')?.kind, 'record');
  });

  it('rolls a workload whose ConfigMap changed during the initial lists (a watch event before the sync ended)', () => {
    const w = world();
    w.source('web', 'old', 'list');
    w.source('web', 'new'); // the ConfigMap watch runs while the Deployments are still being listed
    w.listed(deployment('web', 'web'));
    w.appConfig('web', { configMaps: [{ name: 'web' }] }, { live: false });
    w.sync();
    assert.equal(w.decide('web')?.kind, 'roll');
  });

  it('rolls a workload whose ConfigMap changed after a new AppConfig began to cover it, even when status events follow', () => {
    const w = world();
    w.source('web', 'old', 'list');
    w.listed(deployment('web', 'web'));
    w.sync();
    w.appConfig('all', { configMaps: [{ name: 'web' }] });
    w.source('web', 'new');
    w.workloadEvent(deployment('web', 'web', { resourceVersion: '11', available: 0 }));
    assert.equal(w.decide('web')?.kind, 'roll');
  });

  it('adopts without a rollout a ConfigMap change made before the AppConfig covered the workload (confighash could not know of it)', () => {
    const w = world();
    w.source('web', 'old', 'list');
    w.listed(deployment('web', 'web'));
    w.sync();
    w.source('web', 'new');
    w.appConfig('all', { configMaps: [{ name: 'web' }] });
    assert.equal(w.decide('web')?.kind, 'record');
  });

  it('takes a new baseline when the pod template of a workload not yet adopted changes: its pods restart and read the content', () => {
    const w = syncedWithWebCovered();
    w.source('web', 'new');
    w.workloadEvent(deployment('web', 'web', { image: 'app:2', resourceVersion: '11' }));
    assert.equal(w.decide('web')?.kind, 'record');
  });

  it('rolls a workload created after the start whose ConfigMap changed after it appeared, and not one whose ConfigMap changed before', () => {
    const w = world();
    w.appConfig('all', { configMaps: [{ name: 'early' }, { name: 'late' }] }, { live: false });
    w.sync();
    w.source('early', 'v1');
    w.source('early', 'v2');
    w.workloadEvent(deployment('early', 'early'));
    w.workloadEvent(deployment('late', 'late'));
    w.workloadEvent(deployment('late', 'late', { resourceVersion: '11', available: 0 })); // its first status, before the ConfigMap comes
    w.source('late', 'v1'); // created after the Deployment that needs it: its pods wait for it, then read it
    assert.equal(w.decide('early')?.kind, 'record');
    assert.equal(w.decide('late')?.kind, 'record');
    w.source('late', 'v2'); // changed after they read it
    assert.equal(w.decide('late')?.kind, 'roll');
  });
});
