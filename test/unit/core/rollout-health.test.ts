import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolloutHealth } from '../../../src/core/rollout-health.ts';
import { workloadFacts } from './fixtures.ts';

describe('rolloutHealth', () => {
  const progress = { observedGeneration: 3, desired: 2, updated: 2, total: 2, available: 2, deadlineExceeded: false, reportsDeadline: true };

  it('is available when the controller caught up and every pod is updated and available', () => {
    assert.equal(rolloutHealth(workloadFacts({ progress }), 1000, 60_000), 'available');
  });

  it('is progressing while the controller has not seen the new generation or pods are missing', () => {
    assert.equal(rolloutHealth(workloadFacts({ progress: { ...progress, observedGeneration: 2 } }), 1000, 60_000), 'progressing');
    assert.equal(rolloutHealth(workloadFacts({ progress: { ...progress, available: 1 } }), 1000, 60_000), 'progressing');
  });

  it('is progressing while pods of the old template still run, even when as many pods as wanted are available', () => {
    // A Deployment mid-rollout (maxUnavailable 0): the new pod runs but is not available yet,
    // the old one still is, so availableReplicas already equals replicas.
    assert.equal(rolloutHealth(workloadFacts({ progress: { ...progress, desired: 1, updated: 1, total: 2, available: 1 } }), 1000, 60_000), 'progressing');
  });

  it('is failed when a Deployment reports ProgressDeadlineExceeded', () => {
    assert.equal(rolloutHealth(workloadFacts({ progress: { ...progress, available: 1, deadlineExceeded: true } }), 1000, 60_000), 'failed');
  });

  it('is failed when a StatefulSet is still not available past the deadline, not before', () => {
    const sts = workloadFacts({ kind: 'StatefulSet', progress: { ...progress, updated: 1, reportsDeadline: false } });
    assert.equal(rolloutHealth(sts, 59_000, 60_000), 'progressing');
    assert.equal(rolloutHealth(sts, 61_000, 60_000), 'failed');
  });
});
