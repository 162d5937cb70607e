import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentView } from '../../../bench/kube/deployment-view.ts';
import { adopted, recordedChecksum, recordKey, recordView } from '../../../bench/kube/record-view.ts';

const deployment = (uid: string, checksum?: string): DeploymentView => ({ uid, checksum, revision: 1, generation: 1, observedGeneration: 1 });
const record = (uid: string, checksum: string) => ({
  metadata: { namespace: 'ns', name: uid },
  spec: { workload: { kind: 'Deployment' as const, name: 'web', uid }, checksum, placement: 'Baseline' as const },
});

test('a WorkloadRecord is found under the namespace and workload name, not under its own (UID) name', () => {
  assert.equal(recordKey(record('uid-1', 'c1')), 'ns/web');
  assert.deepEqual(recordView(record('uid-1', 'c1')), { workloadUid: 'uid-1', checksum: 'c1', placement: 'Baseline' });
});

test('a Deployment is adopted only by a record written for its current UID', () => {
  assert.equal(adopted(deployment('uid-1'), recordView(record('uid-1', 'c1'))), true);
  assert.equal(adopted(deployment('uid-2'), recordView(record('uid-1', 'c1'))), false, 'a record of an earlier Deployment of that name');
  assert.equal(adopted(deployment('uid-1'), undefined), false);
  assert.equal(adopted(undefined, recordView(record('uid-1', 'c1'))), false);
  assert.equal(adopted(deployment(''), recordView({ metadata: {}, spec: {} })), false, 'neither side knows a UID');
});

test('the recorded checksum is the record\'s for the current UID, else the pod template\'s', () => {
  assert.equal(recordedChecksum(deployment('uid-1', 'template'), recordView(record('uid-1', 'recorded'))), 'recorded');
  assert.equal(recordedChecksum(deployment('uid-2', 'template'), recordView(record('uid-1', 'recorded'))), 'template');
  assert.equal(recordedChecksum(deployment('uid-2'), undefined), undefined);
});
