import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, isOurProcess, terminateProcesses, type RecordedProcess } from '../../../scripts/lib/control-plane/processes.ts';

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
