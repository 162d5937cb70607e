import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../scripts/lib/kustomize.ts';
import { kubectl } from '../support/cluster.ts';
import { installControllerAccess, applyManifests } from '../support/controller-access.ts';
import { startController } from '../support/controller-process.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { settledReplicaSetCount } from '../support/rollouts.ts';
import {
  KEYED_CHECKSUM,
  SAMPLE,
  sampleAppManifests,
  toYaml,
  waitForAdoption,
  waitForTemplateChecksum,
} from '../support/sample-app.ts';

const run = promisify(execFile);

/**
 * npm's own CLI script, run with this Node 24 (process.execPath) rather than whatever
 * `node` the npm launcher on PATH would pick.
 */
function npmCli(): string {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const launcher = join(dir, 'npm');
    if (!existsSync(launcher)) continue;
    const cli = join(dirname(realpathSync(launcher)), 'npm-cli.js');
    if (existsSync(cli)) return cli;
  }
  throw new Error('npm not found on PATH');
}

async function npm(args: string[], cwd: string): Promise<void> {
  await run(process.execPath, [npmCli(), ...args], { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 });
}

test('the production build (compiled dist/ + production dependencies only) rolls a Deployment once under the kustomize RBAC', async (t) => {
  // What the Dockerfile does: build stage compiles, deps stage installs production deps,
  // runtime stage holds package.json, node_modules and dist/.
  const image = await mkdtemp(join(tmpdir(), 'confighash-image-'));
  t.after(() => rm(image, { recursive: true, force: true }));
  await npm(['run', 'build', '--', '--outDir', join(image, 'dist')], REPO_ROOT);
  await cp(join(REPO_ROOT, 'package.json'), join(image, 'package.json'));
  await cp(join(REPO_ROOT, 'package-lock.json'), join(image, 'package-lock.json'));
  await npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], image);
  await rm(join(image, 'package-lock.json'));
  assert.ok(existsSync(join(image, 'dist/main.js')));
  assert.ok(existsSync(join(image, 'node_modules/@kubernetes/client-node')), 'production dependencies are installed');
  assert.ok(!existsSync(join(image, 'node_modules/typescript')), 'no development dependencies');

  const kubeconfig = await installControllerAccess();
  t.after(() => rm(dirname(kubeconfig), { recursive: true, force: true }));
  const whoami = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig });
  assert.equal(whoami.stdout, 'system:serviceaccount:confighash-system:confighash');

  await withTestNamespace(
    async (namespace) => {
      const controller = await startController({
        kubeconfig,
        entry: 'dist/main.js',
        cwd: image,
        args: ['--namespace', namespace, '--debounce', '0'],
        env: { NODE_ENV: 'production' },
      });
      let exitCode: number | null;
      try {
        await applyManifests(toYaml(await sampleAppManifests(namespace)));
        await waitForAdoption(namespace);
        assert.equal(await settledReplicaSetCount(namespace, SAMPLE.deployment), 1, 'adoption does not roll');

        await kubectl(['-n', namespace, 'patch', 'configmap', SAMPLE.configMap, '--type=merge', '-p', '{"data":{"log_level":"debug"}}']);
        const checksum = await waitForTemplateChecksum(namespace, undefined);
        assert.match(checksum, KEYED_CHECKSUM);
        assert.equal(await settledReplicaSetCount(namespace, SAMPLE.deployment), 2, 'one content change, one rollout');
      } finally {
        exitCode = await controller.stop();
      }
      assert.equal(exitCode, 0, `graceful exit on SIGTERM; output:\n${controller.logs().slice(-3000)}`);
    },
    { prefix: 'prod-build' },
  );
});
