// Freezing and thawing by name or PID, with real (idle) processes standing in for
// components. Restarting the apiserver and compacting etcd need the real binaries:
// test/integration/control-plane-faults.test.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { controlPlaneFaults, FaultError, type ControlPlaneFaults } from '../../../scripts/lib/control-plane/faults.ts';
import type { PidsFile } from '../../../scripts/lib/control-plane/pids-file.ts';
import { isAlive, processStateOf } from '../../../scripts/lib/control-plane/processes.ts';

function idleNode(...args: string[]): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], { stdio: 'ignore' });
  assert.ok(child.pid);
  return child.pid;
}

async function withFaults(fn: (faults: ControlPlaneFaults, component: number, record: PidsFile) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'confighash-faults-unit-'));
  const component = idleNode(dataDir);
  const record: PidsFile = { dataDir, owner: 0, components: [{ name: 'kube-controller-manager', pid: component, executable: 'node' }] };
  const faults = controlPlaneFaults({
    dataDir,
    record,
    etcdClientUrl: 'http://127.0.0.1:1',
    apiserverPort: 1,
    startApiserver: () => Promise.reject(new Error('no apiserver in this test')),
  });
  try {
    await fn(faults, component, record);
  } finally {
    faults.thawAll();
    if (isAlive(component)) process.kill(component, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('freeze stops a component by name (state T) and thaw runs it again', async () => {
  await withFaults(async (faults, component) => {
    assert.equal(faults.pid('kube-controller-manager'), component);
    assert.equal(await faults.freeze('kube-controller-manager'), component);
    assert.equal(processStateOf(component), 'T');
    assert.equal(await faults.thaw('kube-controller-manager'), component);
    assert.match(processStateOf(component) ?? '', /^[RS]$/);
  });
});

test('freeze and thaw take any process this one started, by PID', async (t) => {
  const child = idleNode();
  t.after(() => {
    if (isAlive(child)) process.kill(child, 'SIGKILL');
  });
  await withFaults(async (faults) => {
    await faults.freeze(child);
    assert.equal(processStateOf(child), 'T');
    await faults.thaw(child);
    assert.notEqual(processStateOf(child), 'T');
  });
});

test('thawAll runs again whatever is still frozen', async () => {
  await withFaults(async (faults, component) => {
    await faults.freeze(component);
    faults.thawAll();
    const deadline = Date.now() + 5000;
    while (processStateOf(component) === 'T' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.notEqual(processStateOf(component), 'T');
  });
});

test('refuses a process it did not start, a component it does not have, and one that is not running', async () => {
  await withFaults(async (faults, component, record) => {
    await assert.rejects(faults.freeze(1), FaultError);
    assert.notEqual(processStateOf(1), 'T');
    await assert.rejects(faults.freeze('kwok'), /this control plane has no kwok/);
    assert.throws(() => faults.pid('etcd'), /this control plane has no etcd/);
    process.kill(component, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (isAlive(component) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.throws(() => faults.pid('kube-controller-manager'), /is not running/);
    assert.equal(record.components.length, 1);
  });
});
