import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sumMetric } from '../../../scripts/lib/controller-process.ts';

const exposition = [
  '# HELP confighash_patches_total Writes by the controller.',
  '# TYPE confighash_patches_total counter',
  'confighash_patches_total{kind="Deployment",type="template"} 2',
  'confighash_patches_total{kind="Deployment",type="record"} 3',
  '# HELP confighash_rollouts_total Rollouts.',
  '# TYPE confighash_rollouts_total counter',
].join('\n');

test('sums the series of a metric whose labels match', () => {
  assert.equal(sumMetric(exposition, 'confighash_patches_total', { kind: 'Deployment' }), 5);
  assert.equal(sumMetric(exposition, 'confighash_patches_total', { type: 'record' }), 3);
});

test('reads 0 for a declared counter that has no series yet', () => {
  assert.equal(sumMetric(exposition, 'confighash_rollouts_total', {}), 0);
});

test('throws for a metric the controller does not expose, instead of reading 0', () => {
  assert.throws(() => sumMetric(exposition, 'confighash_rolouts_total', {}), /no metric named confighash_rolouts_total/);
});
