import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessDeniedError, ConflictError } from '../../../src/errors.ts';
import type { EventRecorder, EventToRecord } from '../../../src/k8s/event-recorder.ts';
import { FactStore } from '../../../src/k8s/fact-store.ts';
import { workloadFacts } from '../../../src/k8s/projections.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { QUICK_CONFLICT_RETRIES } from '../../../src/queue/retry-delay.ts';
import { CoverageLookup } from '../../../src/reconcile/coverage-lookup.ts';
import { FailureLog } from '../../../src/reconcile/failure-log.ts';
import { failureReporter } from '../../../src/reconcile/failure-reporter.ts';
import { encodeWorkKey } from '../../../src/reconcile/work-key.ts';
import { kindSpec } from '../support/workload-kinds.ts';

const KEY = encodeWorkKey({ type: 'workload', namespace: 'shop', kind: 'Deployment', name: 'web' });

/** A store with Deployment shop/web consuming web-config, and an AppConfig listing it. */
function world() {
  const store = new FactStore();
  store.setWorkload(
    workloadFacts(kindSpec('Deployment'), {
      metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation: 1 },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'app:1', envFrom: [{ configMapRef: { name: 'web-config' } }] }] } } },
    }),
    'list',
  );
  store.setAppConfig({ namespace: 'shop', name: 'web', uid: 'uid-ac', generation: 1, spec: { configMaps: [{ name: 'web-config' }] } });
  const events: EventToRecord[] = [];
  const refreshed: string[] = [];
  const failures = new FailureLog();
  // The recorder's job is sending Events to the API; here only what it was asked to record counts.
  const recorder = { record: (event: EventToRecord) => events.push(event) } as unknown as EventRecorder;
  const reporter = failureReporter({
    store,
    coverage: new CoverageLookup(store),
    failures,
    events: recorder,
    logger: createLogger('silent'),
    refreshStatus: (namespace, name) => refreshed.push(`${namespace}/${name}`),
  });
  return { reporter, events, refreshed, failures };
}

const conflict = () => new ConflictError('patch the pod template of Deployment shop/web: the object changed since it was read (HTTP 422 Invalid)', { statusCode: 422 });
const denied = () => new AccessDeniedError('patch the pod template of Deployment shop/web: denied (HTTP 403 Forbidden)', { statusCode: 403 });

describe('failure reporter', () => {
  it('records one Warning Event and a ReconcileFailed status per failure streak, not per retry', () => {
    const { reporter, events, refreshed, failures } = world();
    reporter.onFailure(KEY, denied(), 200, 1);
    reporter.onFailure(KEY, denied(), 400, 2);
    assert.deepEqual(events.map((e) => `${e.type} ${e.reason} ${e.regarding.kind}/${e.regarding.name}`), ['Warning ReconcileFailed Deployment/web']);
    assert.equal(failures.get('shop', 'Deployment', 'web')?.statusCode, 403);
    assert.deepEqual(refreshed, ['shop/web', 'shop/web']);

    reporter.onRecovered(KEY, 2);
    assert.equal(failures.get('shop', 'Deployment', 'web'), undefined);
    reporter.onFailure(KEY, denied(), 200, 1);
    assert.equal(events.length, 2, 'a new streak after a success is reported again');
  });

  it('reports nothing for a conflict that the quick retries resolve: losing a race to another writer is normal', () => {
    const { reporter, events, refreshed, failures } = world();
    for (let attempt = 1; attempt <= QUICK_CONFLICT_RETRIES; attempt++) reporter.onFailure(KEY, conflict(), 50, attempt);
    reporter.onRecovered(KEY, QUICK_CONFLICT_RETRIES);
    assert.deepEqual(events, []);
    assert.deepEqual(refreshed, [], 'the AppConfig status is not touched');
    assert.equal(failures.get('shop', 'Deployment', 'web'), undefined);
  });

  it('reports a conflict that outlasts the quick retries, once, as the start of a streak', () => {
    const { reporter, events, failures } = world();
    for (let attempt = 1; attempt <= QUICK_CONFLICT_RETRIES + 2; attempt++) reporter.onFailure(KEY, conflict(), 50, attempt);
    assert.deepEqual(events.map((e) => e.reason), ['ReconcileFailed']);
    assert.equal(failures.get('shop', 'Deployment', 'web')?.statusCode, 422);
  });

  it('starts the streak at the first reported failure when quick conflict retries came before it', () => {
    const { reporter, events } = world();
    reporter.onFailure(KEY, conflict(), 50, 1);
    reporter.onFailure(KEY, denied(), 200, 2);
    reporter.onFailure(KEY, denied(), 400, 3);
    assert.deepEqual(events.map((e) => e.note), [denied().message]);
  });
});
