import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusHold } from '../../../src/reconcile/status-hold.ts';

test('writes a status at once when none of its workloads has a reconcile due', () => {
  const hold = new StatusHold(10_000);
  assert.equal(hold.shouldWait('status/shop/web', [], 0), false);
  assert.equal(hold.size, 0);
});

test('holds a status until each workload it waits for has run, then hands it back once per workload run', () => {
  const hold = new StatusHold(10_000);
  assert.equal(hold.shouldWait('status/shop/web', ['workload/shop/Deployment/web', 'workload/shop/Deployment/worker'], 0), true);
  assert.deepEqual(hold.release('workload/shop/Deployment/web'), ['status/shop/web']);
  assert.deepEqual(hold.release('workload/shop/Deployment/web'), [], 'handed back once');
  assert.equal(hold.shouldWait('status/shop/web', ['workload/shop/Deployment/worker'], 500), true, 'the other is still due');
  assert.deepEqual(hold.release('workload/shop/Deployment/worker'), ['status/shop/web']);
  assert.equal(hold.shouldWait('status/shop/web', [], 900), false, 'nothing due: written now');
  assert.equal(hold.size, 0);
});

test('hands back every status that waits for the same workload', () => {
  const hold = new StatusHold(10_000);
  hold.shouldWait('status/shop/platform', ['workload/shop/Deployment/web'], 0);
  hold.shouldWait('status/shop/web', ['workload/shop/Deployment/web'], 0);
  assert.deepEqual(hold.release('workload/shop/Deployment/web').sort(), ['status/shop/platform', 'status/shop/web']);
});

test('never holds a status longer than the cap counted from its first hold, however long its workloads keep being due', () => {
  const hold = new StatusHold(10_000);
  const web = ['workload/shop/Deployment/web'];
  assert.equal(hold.shouldWait('status/shop/web', web, 0), true);
  assert.equal(hold.shouldWait('status/shop/web', web, 9_999), true);
  assert.equal(hold.shouldWait('status/shop/web', web, 10_000), false, 'written at the cap');
  assert.equal(hold.shouldWait('status/shop/web', web, 10_001), true, 'a new wait starts after the write');
});
