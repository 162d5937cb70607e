import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  isAlive,
  isDescendantOf,
  isOurProcess,
  processStateOf,
  terminateProcesses,
  type RecordedProcess,
} from '../../../scripts/lib/control-plane/processes.ts';

/** A long-running process whose command line mentions `marker`, like our components mention their data dir. */
function idleNode(marker: string): RecordedProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
  assert.ok(child.pid);
  return { name: 'idle', pid: child.pid, executable: 'node' };
}

test('a recorded PID counts as ours only with the right executable and our data dir in its arguments', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'confighash-proc-'));
  const proc = idleNode(dataDir);
  t.after(async () => {
    if (isAlive(proc.pid)) process.kill(proc.pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });
  assert.equal(isOurProcess(proc, dataDir), true);
  assert.equal(isOurProcess({ ...proc, executable: 'etcd' }, dataDir), false);
  assert.equal(isOurProcess(proc, '/some/other/dir'), false);
  assert.equal(isOurProcess(proc, dataDir.slice(0, -1)), false, 'a prefix of the directory name is another directory');
});

test('terminateProcesses stops our processes and leaves a PID it cannot verify alone', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'confighash-proc-'));
  const ours = idleNode(dataDir);
  const stranger = idleNode('/not/our/data/dir');
  t.after(async () => {
    for (const p of [ours, stranger]) if (isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });
  const stopped = await terminateProcesses([ours, { ...stranger, name: 'stranger' }], dataDir, { graceMs: 2000 });
  assert.deepEqual(stopped, ['idle']);
  assert.equal(isAlive(ours.pid), false);
  assert.equal(isAlive(stranger.pid), true);
});

test('processStateOf reads the state letter, also for a command name with spaces and parentheses', async (t) => {
  const child = spawn(process.execPath, ['-e', "process.title = 'a (b) c'; setInterval(() => {}, 1000)"], { stdio: 'ignore' });
  assert.ok(child.pid);
  const pid = child.pid;
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  await waitUntil(() => readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('a (b) c'));
  assert.equal(processStateOf(process.pid), 'R');
  assert.match(processStateOf(pid) ?? '', /^[RS]$/);
  process.kill(pid, 'SIGSTOP');
  await waitUntil(() => processStateOf(pid) === 'T');
  process.kill(pid, 'SIGCONT');
  await waitUntil(() => processStateOf(pid) !== 'T');
  assert.equal(processStateOf(0), undefined);
  assert.equal(processStateOf(2 ** 30), undefined);
});

test('isDescendantOf follows the parent chain, and not the other way round', (t) => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  assert.ok(child.pid);
  const pid = child.pid;
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  assert.equal(isDescendantOf(pid, process.pid), true);
  assert.equal(isDescendantOf(pid, process.ppid), true, 'a grandchild of our parent');
  assert.equal(isDescendantOf(process.pid, pid), false);
  assert.equal(isDescendantOf(1, process.pid), false);
});

test('terminateProcesses stops a frozen (SIGSTOPped) process within its grace period, without SIGKILL', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'confighash-proc-'));
  const frozen = idleNode(dataDir);
  t.after(async () => {
    if (isAlive(frozen.pid)) process.kill(frozen.pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });
  process.kill(frozen.pid, 'SIGSTOP');
  await waitUntil(() => processStateOf(frozen.pid) === 'T');
  const started = Date.now();
  assert.deepEqual(await terminateProcesses([frozen], dataDir, { graceMs: 5000 }), ['idle']);
  assert.ok(Date.now() - started < 4000, `took ${Date.now() - started}ms: SIGTERM waited for the SIGKILL fallback`);
  assert.equal(isAlive(frozen.pid), false);
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
