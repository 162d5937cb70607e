// `node bench/object-size-probe.ts [--controller DIR] [--count N] [--kib A,B,...]`: does the
// controller's memory follow the number of objects or their size? One control plane, one
// namespace per size holding N ConfigMaps of that size; a cold start of the controller
// (DIR/dist/main.js, built beforehand, under the image's NODE_OPTIONS) on each namespace in
// turn, and its VmHWM once ready. Run it against another build (e.g. a `git archive` of an
// older commit, built with `npm run build`) with --controller to compare. See BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { allocatePorts } from '../scripts/lib/control-plane/ports.ts';
import { ensureBinaries, startControlPlane } from '../scripts/lib/control-plane/index.ts';
import { installControllerAccess } from '../test/support/controller-access.ts';
import { controllerLaunch } from './controller.ts';
import { KubeApi } from './kube/api.ts';
import { configMap, namespace, paths } from './kube/objects.ts';
import { forEachLimited, withRetries } from './kube/pool.ts';
import { readProcessMemory } from './rss.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    controller: { type: 'string', default: repoRoot },
    count: { type: 'string', default: '1000' },
    kib: { type: 'string', default: '10.5,105' },
  },
});
const controllerDir = resolve(values.controller);
const count = Number(values.count);
const sizes = values.kib.split(',').map((kib) => Math.round(Number(kib) * 1024));
const launch = controllerLaunch([]);
// An older build may not have the image's preload: it then runs without it, and says so.
const nodeOptions = launch.node_options
  .split(' ')
  .filter((option) => !option.startsWith('--import=./') || existsSync(join(controllerDir, option.slice('--import='.length))))
  .join(' ');

async function coldStartPeakMib(kubeconfig: string, ns: string): Promise<{ hwmMib: number; readyS: number }> {
  const { metrics: port } = await allocatePorts(['metrics'] as const);
  const started = performance.now();
  const child = spawn(process.execPath, [launch.entry, '--namespace', ns, '--metrics-bind-address', `127.0.0.1:${port}`], {
    cwd: controllerDir,
    env: { PATH: process.env.PATH ?? '', KUBECONFIG: kubeconfig, NODE_ENV: launch.node_env, NODE_OPTIONS: nodeOptions },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the controller exited with ${child.exitCode}`);
      if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const readyS = Math.round(performance.now() - started) / 1000;
    // Let the work after the initial sync (adoption, status) run too.
    await new Promise((r) => setTimeout(r, 5000));
    return { hwmMib: Math.round(readProcessMemory(child.pid ?? 0)?.hwmMib ?? NaN), readyS };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'confighash-size-probe-'));
const cluster = await startControlPlane({ dataDir, binDir: await ensureBinaries(), fsync: false, log: () => undefined });
try {
  process.env.CONFIGHASH_TEST_KUBECONFIG = cluster.kubeconfig;
  process.env.CONFIGHASH_TEST_BIN = cluster.binDir;
  process.env.CONFIGHASH_TEST_SERVER = cluster.server;
  const kubeconfig = await installControllerAccess();
  const api = await KubeApi.fromKubeconfig(cluster.kubeconfig);
  console.log(`controller ${controllerDir}/${launch.entry}, NODE_OPTIONS="${nodeOptions}", ${count} ConfigMaps per namespace`);
  for (const bytes of sizes) {
    const ns = `size-${bytes}`;
    await api.create(paths.namespaces, namespace(ns, 'size'));
    const names = Array.from({ length: count }, (_, i) => `cm-${i}`);
    await forEachLimited(names, 16, (name) => withRetries(() => api.create(paths.configMaps(ns), configMap(ns, name, 'size', bytes))));
    const { hwmMib, readyS } = await coldStartPeakMib(kubeconfig, ns);
    console.log(`${count} ConfigMaps of ${(bytes / 1024).toFixed(1)} KiB (${((count * bytes) / 2 ** 20).toFixed(0)} MiB): peak RSS ${hwmMib} MiB, ready in ${readyS} s`);
  }
  await api.close();
} finally {
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
