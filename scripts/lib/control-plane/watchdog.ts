// Runs detached beside a control plane: when the process that started it is gone
// (crashed, SIGKILLed, or a test runner that never reached its cleanup), it stops the
// components recorded in pids.json and removes the data directory. Usage:
//   node watchdog.ts <ownerPid> <ownerStartTime> <dataDir>
import { setTimeout as sleep } from 'node:timers/promises';
import { ownsDataDir, removeDataDir } from './data-dir.ts';
import { readPidsFile, stopStages } from './pids-file.ts';
import { isAlive, startTimeOf, terminateInStages } from './processes.ts';
import { cleanUpRealNode } from './real-node.ts';

const POLL_MS = 500;

function ownerIsGone(pid: number, startTime: string): boolean {
  // A recycled PID belongs to a process that started at another time.
  return !isAlive(pid) || startTimeOf(pid) !== startTime;
}

async function main(args: string[]): Promise<void> {
  const [ownerArg, ownerStartTime, dataDir] = args;
  const owner = Number(ownerArg);
  if (!Number.isInteger(owner) || owner <= 0 || !ownerStartTime || !dataDir) {
    throw new Error('usage: watchdog.ts <ownerPid> <ownerStartTime> <dataDir>');
  }
  while (!ownerIsGone(owner, ownerStartTime)) {
    // Stopped and removed by its owner or by `cluster down`: nothing left to guard.
    if (!ownsDataDir(dataDir)) return;
    await sleep(POLL_MS);
  }
  const pids = readPidsFile(dataDir);
  if (pids) {
    const others = stopStages(pids).map((stage) => stage.filter((p) => p.pid !== process.pid));
    await terminateInStages(others, dataDir, { graceMs: 3000 });
  }
  await cleanUpRealNode(dataDir);
  removeDataDir(dataDir);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`confighash control-plane watchdog: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
