// `confighash render` against the real control plane: manifests stamped offline from Git
// are what the controller would have written, so it writes nothing to the workloads, and a
// ConfigMap change in Git rolls each workload exactly once: by the template change itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { AppsV1Api } from '@kubernetes/client-node';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { REPO_ROOT, SAMPLE_APP_DIR } from '../../scripts/lib/kustomize.ts';
import { adminKubeConfig, testCluster } from '../support/cluster.ts';
import { applyManifests, installControllerAccess } from '../support/controller-access.ts';
import { startController } from '../support/controller-process.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { workloadRecord } from '../support/records.ts';
import { settledReplicaSetCount, waitForDeploymentObserved } from '../support/rollouts.ts';
import { SAMPLE, sampleAppManifests, toYaml, withConfigMapKey } from '../support/sample-app.ts';
import { waitFor } from '../support/wait.ts';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'src/cli/confighash.ts');

async function render(yaml: string): Promise<string> {
  const child = execFile(process.execPath, [CLI, 'render'], { maxBuffer: 16 * 1024 * 1024 });
  const output = new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: string) => (stdout += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`confighash render exited with ${code}`))));
  });
  child.stdin?.end(yaml);
  return output;
}

async function deploymentNow(namespace: string): Promise<{ checksum: string | undefined; generation: number }> {
  const d = await adminKubeConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace, name: SAMPLE.deployment });
  return { checksum: d.spec?.template.metadata?.annotations?.[CHECKSUM_ANNOTATION], generation: d.metadata?.generation ?? 0 };
}

let serviceAccountKubeconfig: string;
before(async () => {
  serviceAccountKubeconfig = await installControllerAccess();
});
after(async () => {
  if (serviceAccountKubeconfig) await rm(dirname(serviceAccountKubeconfig), { recursive: true, force: true });
});

test('kustomize build | confighash render | kubectl apply: the controller then writes nothing to the workload, and a ConfigMap change in Git rolls exactly once', async () => {
  await withTestNamespace(
    async (namespace) => {
      const v1 = await sampleAppManifests(namespace);
      const renderedV1 = await render(toYaml(v1));
      await applyManifests(renderedV1);
      await waitForDeploymentObserved(namespace, SAMPLE.deployment);
      const born = await deploymentNow(namespace);
      assert.match(String(born.checksum), /^v1\.[0-9a-f]{64}$/, 'the rendered Deployment carries a checksum from Git');

      // A quiet period, as in production: a Git sync applies the ConfigMap and the Deployment
      // one after the other, and the decision must see both (with --debounce 0 it may act
      // between them and roll before the template change arrives).
      const controller = await startController({ kubeconfig: serviceAccountKubeconfig, args: ['--namespace', namespace, '--debounce', '2s'] });
      try {
        const record = await waitFor(async () => (await workloadRecord(namespace, 'Deployment', SAMPLE.deployment)) ?? false, {
          description: 'the controller to record the rendered Deployment',
        });
        // The sample also reads a Secret, which an offline render leaves out: the controller
        // records its own checksum beside the rendered one instead of rolling.
        assert.equal(record.placement, 'Baseline');
        assert.equal(await settledReplicaSetCount(namespace, SAMPLE.deployment), 1, 'no rollout after the controller starts');
        assert.deepEqual(await deploymentNow(namespace), born, 'the controller wrote nothing to the Deployment');
        assert.equal(await controller.metricValue('confighash_patches_total', { type: 'template' }), 0);

        const renderedV2 = await render(toYaml(withConfigMapKey(v1, 'log_level', 'debug')));
        await applyManifests(renderedV2);
        await waitForDeploymentObserved(namespace, SAMPLE.deployment);
        const changed = await deploymentNow(namespace);
        assert.notEqual(changed.checksum, born.checksum, 'the render stamped a new checksum for the new content');
        assert.equal(await settledReplicaSetCount(namespace, SAMPLE.deployment), 2, 'exactly one rollout: the template change from Git');
        await waitFor(async () => (await workloadRecord(namespace, 'Deployment', SAMPLE.deployment))?.checksum !== record.checksum, {
          description: 'the controller to record the new content',
        });
        assert.equal(await settledReplicaSetCount(namespace, SAMPLE.deployment), 2, 'the controller added no second rollout');
        assert.equal(await controller.metricValue('confighash_patches_total', { type: 'template' }), 0, 'no template write by the controller');
      } catch (error) {
        throw new Error(`${(error as Error).message}\ncontroller output (tail):\n${controller.logs().slice(-3000)}`, { cause: error });
      } finally {
        await controller.stop();
      }
    },
    { prefix: 'render' },
  );
});

test('the real kustomize runs the shipped scripts/confighash-render.sh as a KRM exec function, with the same result as the filter', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'confighash-krm-'));
  try {
    const fn = relative(dir, join(REPO_ROOT, 'scripts/confighash-render.sh'));
    await writeFile(
      join(dir, 'render.yaml'),
      [
        'apiVersion: confighash.dev/v1',
        'kind: RenderFunction',
        'metadata:',
        '  name: confighash-render',
        '  annotations:',
        '    config.kubernetes.io/function: |',
        '      exec:',
        `        path: ${fn}`,
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'kustomization.yaml'),
      ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', `  - ${relative(dir, SAMPLE_APP_DIR)}`, 'transformers:', '  - render.yaml', ''].join('\n'),
    );
    const kustomize = join(testCluster().binDir, 'kustomize');
    const viaFunction = (await run(kustomize, ['build', '--enable-alpha-plugins', '--enable-exec', dir], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    const plain = (await run(kustomize, ['build', SAMPLE_APP_DIR], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    const checksumIn = (yaml: string): string | undefined => new RegExp(`${CHECKSUM_ANNOTATION.replace('.', '\\.')}: (v1\\.[0-9a-f]{64})`).exec(yaml)?.[1];
    assert.ok(checksumIn(viaFunction), 'kustomize build with the exec function stamped a checksum');
    assert.equal(checksumIn(viaFunction), checksumIn(await render(plain)), 'the same checksum as `kustomize build | confighash render`');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
