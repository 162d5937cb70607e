import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WaitingRoom } from '../../../src/reconcile/waiting-room.ts';
import type { WorkKey } from '../../../src/reconcile/work-key.ts';

test('wakes every workload told to wait, once each, and is empty afterwards', () => {
  const room = new WaitingRoom();
  const web: WorkKey = { type: 'workload', namespace: 'shop', kind: 'Deployment', name: 'web' };
  room.wait(web);
  room.wait(web);
  room.wait({ type: 'workload', namespace: 'shop', kind: 'StatefulSet', name: 'db' });
  const woken: WorkKey[] = [];
  room.wakeAll((key) => woken.push(key));
  assert.deepEqual(woken.map((k) => (k.type === 'workload' ? `${k.kind}/${k.name}` : '')), ['Deployment/web', 'StatefulSet/db']);
  assert.equal(room.size, 0);
});
