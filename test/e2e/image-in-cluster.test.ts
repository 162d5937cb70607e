// The image from `npm run image`, run with podman the way a pod runs it: in-cluster
// environment variables and a mounted ServiceAccount token (no kubeconfig), UID 65532, a
// read-only root filesystem, no capabilities. It talks to the real control plane of this
// run, as the controller's least-privilege ServiceAccount.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { allocatePorts } from '../../scripts/lib/control-plane/ports.ts';
import { SAMPLE_APP_DIR } from '../../scripts/lib/kustomize.ts';
import { kubectl } from '../support/cluster.ts';
import { CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, installControllerAccess } from '../support/controller-access.ts';
import { withTestNamespace } from '../support/namespace.ts';
import {
  assertImagePresent,
  CONTROLLER_UID,
  inClusterEnv,
  podmanEnv,
  serviceAccountMount,
  startContainer,
  type RunningContainer,
} from '../support/podman.ts';
import { countReplicaSets, settledReplicaSetCount } from '../support/rollouts.ts';
import { buildOverlay, sampleAppImageOverride } from '../support/real-node.ts';
import { SAMPLE, waitForAdoption } from '../support/sample-app.ts';
import { waitFor } from '../support/wait.ts';

const exec = promisify(execFile);

async function inContainer(container: RunningContainer, command: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec('podman', ['exec', container.name, ...command], { env: await podmanEnv() });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function readyz(port: number, container: RunningContainer): Promise<true> {
  let exitCode: number | undefined;
  void container.exited.then((code) => (exitCode = code));
  return waitFor(
    async () => {
      if (exitCode !== undefined) throw new Error(`the container exited with code ${exitCode} before it was ready`);
      const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return res?.status === 200;
    },
    { description: 'the controller in the container to answer /readyz with 200', timeoutMs: 60_000 },
  );
}

test('the image, run as a pod runs it (in-cluster variables, token mount, UID 65532, read-only root), adopts a Deployment without rolling it and rolls it once when its ConfigMap changes', async () => {
  await assertImagePresent();
  await installControllerAccess();
  const tokenDir = await serviceAccountMount(CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT);
  await withTestNamespace(
    async (namespace) => {
      // The sample app on the node base built here, so that a real node never tries to pull.
      await kubectl(['apply', '-f', '-'], { input: await buildOverlay(SAMPLE_APP_DIR, { namespace, images: [sampleAppImageOverride()] }) });
      const { metrics: port } = await allocatePorts(['metrics'] as const);
      const container = await startContainer({
        args: ['--namespace', namespace, '--debounce', '0', `--metrics-bind-address=127.0.0.1:${port}`],
        env: { ...inClusterEnv(), POD_NAMESPACE: CONTROLLER_NAMESPACE },
        serviceAccountDir: tokenDir,
      });
      try {
        await readyz(port, container);
        assert.equal((await inContainer(container, ['id', '-u'])).output.trim(), String(CONTROLLER_UID));
        const write = await inContainer(container, ['sh', '-c', 'echo x > /app/written']);
        assert.notEqual(write.code, 0, 'the root filesystem is read-only');
        assert.match(write.output, /Read-only file system/);
        assert.equal((await inContainer(container, ['sh', '-c', 'test -e "$HOME/.kube/config" || test -n "$KUBECONFIG"'])).code, 1, 'no kubeconfig in the container');

        await waitForAdoption(namespace);
        assert.equal(await settledReplicaSetCount(namespace, SAMPLE.deployment), 1, 'adoption rolls nothing');

        await kubectl(['patch', 'configmap', SAMPLE.configMap, '-n', namespace, '--type=merge', '-p', '{"data":{"n_items":"6000"}}']);
        await waitFor(async () => (await countReplicaSets(namespace, SAMPLE.deployment)) >= 2, {
          description: `a second ReplicaSet of ${namespace}/${SAMPLE.deployment}`,
          timeoutMs: 60_000,
        });
        assert.equal(await settledReplicaSetCount(namespace, SAMPLE.deployment), 2, 'one content change, one rollout');
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- container log (tail) ---\n${container.logs().slice(-3000)}`, { cause: error });
      } finally {
        assert.equal(await container.stop(), 0, `SIGTERM ends the controller cleanly\n${container.logs().slice(-2000)}`);
      }
    },
    { prefix: 'image' },
  );
});
