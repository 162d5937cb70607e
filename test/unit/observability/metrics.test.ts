import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import { createMetrics } from '../../../src/observability/metrics.ts';

describe('createMetrics', () => {
  it('exposes every controller metric and the process metrics on its own registry', async () => {
    const metrics = createMetrics();
    metrics.reconcilesTotal.inc({ kind: 'Deployment', result: 'rolled' });
    metrics.patchesTotal.inc({ kind: 'Deployment', type: 'template' });
    metrics.queueDepth.set(3);
    metrics.reconcileDurationSeconds.observe(0.2);
    const text = await metrics.registry.metrics();
    for (const name of [
      'confighash_reconciles_total',
      'confighash_rollouts_total',
      'confighash_patches_total',
      'confighash_rollouts_halted',
      'confighash_queue_depth',
      'confighash_queue_duration_seconds',
      'confighash_queue_retries_total',
      'confighash_queue_failing_keys',
      'confighash_reconcile_duration_seconds',
      'confighash_api_requests_total',
      'confighash_api_request_duration_seconds',
      'confighash_watch_restarts_total',
      'confighash_watch_events_total',
      'confighash_watch_handler_errors_total',
      'confighash_notifications_total',
      'confighash_leader',
      'confighash_admission_reviews_total',
      'confighash_admission_duration_seconds',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `missing ${name}`);
    }
    assert.match(text, /^confighash_reconciles_total\{kind="Deployment",result="rolled"\} 1$/m);
    assert.match(text, /^confighash_queue_depth 3$/m);
    assert.match(text, /^confighash_leader 0$/m);
  });

  it('builds independent sets without touching the global registry', async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.rolloutsTotal.inc({ kind: 'StatefulSet', reason: 'content-changed' });
    assert.match(await first.registry.metrics(), /confighash_rollouts_total\{kind="StatefulSet"/);
    assert.doesNotMatch(await second.registry.metrics(), /confighash_rollouts_total\{/);
    assert.equal(globalRegistry.getSingleMetric('confighash_rollouts_total'), undefined);
  });
});
