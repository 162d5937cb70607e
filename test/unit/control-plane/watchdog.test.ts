import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareDataDir } from '../../../scripts/lib/control-plane/data-dir.ts';
import { writePidsFile } from '../../../scripts/lib/control-plane/pids-file.ts';
import { isAlive } from '../../../scripts/lib/control-plane/processes.ts';
import { launchWatchdog } from '../../../scripts/lib/control-plane/watchdog-launch.ts';
import { waitFor } from '../../support/wait.ts';

function idleNode(...args: string[]): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], { stdio: 'ignore' });
  assert.ok(child.pid);
  return child.pid;
}

test('when the owner is SIGKILLed, the watchdog stops the recorded components and removes the data dir', async (t) => {
  const parent = await mkdtemp(join(tmpdir(), 'confighash-watchdog-'));
  const dataDir = join(parent, 'cp');
  await prepareDataDir(dataDir);
  const owner = idleNode('owner');
  const component = idleNode(join(dataDir, 'component.conf'));
  t.after(async () => {
    for (const pid of [owner, component]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(parent, { recursive: true, force: true });
  });
  const watchdog = launchWatchdog(owner, dataDir);
  writePidsFile({ dataDir, owner, watchdog, components: [{ name: 'component', pid: component, executable: 'node' }] });

  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(isAlive(component), true, 'the component lives while its owner does');

  process.kill(owner, 'SIGKILL');
  await waitFor(() => !isAlive(component) && !existsSync(dataDir) && !isAlive(watchdog.pid), {
    description: 'the watchdog to stop the component, remove the data dir and exit',
    timeoutMs: 10_000,
  });
});
