// Installed the way the README says, on the real node: `kustomize build` of the cluster
// overlay with `images:` pointing at the local image, piped to `kubectl apply -f -`. The
// controller pod must become Ready through its own probes, in a namespace that enforces
// the restricted Pod Security Standard, and reach the apiserver through the `kubernetes`
// Service with its mounted token. Then the origin's sample app, on a real image, serves its
// configuration over HTTP: an edit of its ConfigMap gives exactly one rollout, and the new
// pod serves the new value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { SAMPLE_APP_DIR } from '../../scripts/lib/kustomize.ts';
import { adminKubeConfig, kubectl } from '../support/cluster.ts';
import { CONTROLLER_NAMESPACE } from '../support/controller-access.ts';
import { withTestNamespace } from '../support/namespace.ts';
import {
  buildOverlay,
  CONTROLLER_PODS,
  getFromPod,
  installController,
  logsOf,
  realNodeMissing,
  sampleAppImageOverride,
  uninstallController,
  waitForSingleReadyPod,
} from '../support/real-node.ts';
import { countReplicaSets, settledReplicaSetCount } from '../support/rollouts.ts';
import { SAMPLE, waitForAdoption } from '../support/sample-app.ts';
import { waitFor } from '../support/wait.ts';

const SAMPLE_PODS = 'app=node-api';
const SAMPLE_PORT = 3000;

test(
  'installed from the cluster overlay, the controller pod runs restricted and rolls the sample app once per ConfigMap edit, and the new pod serves the new value',
  { skip: realNodeMissing() },
  async (t) => {
    t.after(uninstallController);
    try {
      const controller = await installController();
      const core = adminKubeConfig().makeApiClient(CoreV1Api);
      const namespace = await core.readNamespace({ name: CONTROLLER_NAMESPACE });
      assert.equal(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
      const [container] = controller.spec?.containers ?? [];
      assert.equal(container?.image, 'localhost/confighash:dev');
      assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(controller.spec?.securityContext?.runAsUser, 65532);

      // Inside the running container: the user, the read-only root, no kubeconfig, and the
      // apiserver reached at the `kubernetes` Service's address with the mounted token.
      const inPod = await kubectl([
        'exec', '-n', CONTROLLER_NAMESPACE, controller.metadata?.name ?? '', '--', 'sh', '-c',
        'id -u; echo "$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"; test -s /var/run/secrets/kubernetes.io/serviceaccount/token && echo token; echo x > /app/x 2>&1 || echo read-only; echo "${KUBECONFIG:-no-kubeconfig}"',
      ]);
      const service = await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
      assert.deepEqual(inPod.stdout.trim().split('\n'), ['65532', `${service.spec?.clusterIP}:443`, 'token', 'read-only', 'no-kubeconfig']);

      await withTestNamespace(
        async (ns) => {
          await kubectl(['apply', '-f', '-'], { input: await buildOverlay(SAMPLE_APP_DIR, { namespace: ns, images: [sampleAppImageOverride()] }) });
          const before = await waitForSingleReadyPod(ns, SAMPLE_PODS);
          const served = await waitFor(() => getFromPod(before, SAMPLE_PORT), { description: 'the sample app to answer over HTTP' });
          t.diagnostic(`before the edit, GET http://${before.status?.podIP}:${SAMPLE_PORT}/ -> ${served}`);
          assert.deepEqual(JSON.parse(served), { n_items: 5000, f_prob: 0.03, token_set: true });

          await waitForAdoption(ns, 60_000);
          assert.equal(await settledReplicaSetCount(ns, SAMPLE.deployment), 1, 'adoption rolls nothing');

          await kubectl(['patch', 'configmap', SAMPLE.configMap, '-n', ns, '--type=merge', '-p', '{"data":{"n_items":"6000"}}']);
          await waitFor(async () => (await countReplicaSets(ns, SAMPLE.deployment)) >= 2, {
            description: `a second ReplicaSet of ${ns}/${SAMPLE.deployment}`,
            timeoutMs: 60_000,
          });
          const after = await waitForSingleReadyPod(ns, SAMPLE_PODS, { not: before.metadata?.name });
          const servedAfter = await waitFor(() => getFromPod(after, SAMPLE_PORT), { description: 'the new pod to answer over HTTP' });
          t.diagnostic(`after the edit, GET http://${after.status?.podIP}:${SAMPLE_PORT}/ -> ${servedAfter}`);
          assert.deepEqual(JSON.parse(servedAfter), { n_items: 6000, f_prob: 0.03, token_set: true });
          assert.equal(await settledReplicaSetCount(ns, SAMPLE.deployment), 2, 'one content change, one rollout');
          const apps = adminKubeConfig().makeApiClient(AppsV1Api);
          assert.equal((await apps.readNamespacedDeployment({ namespace: ns, name: SAMPLE.deployment })).status?.replicas, 1, 'the old pod is gone');
        },
        { prefix: 'e2e-sample' },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- controller logs ---\n${await logsOf(CONTROLLER_NAMESPACE, CONTROLLER_PODS)}`, { cause: error });
    }
  },
);
