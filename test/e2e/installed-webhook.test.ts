// On the real node: the webhook overlay. The apiserver calls the admission webhook through
// its Service (kube-proxy takes 443 on the ClusterIP to the pod's 9443), trusting the CA
// the controller generated and patched into the MutatingWebhookConfiguration. A Deployment
// created after its ConfigMap carries the checksum in the create response itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { kubectl } from '../support/cluster.ts';
import { CONTROLLER_NAMESPACE } from '../support/controller-access.ts';
import { appConfigManifest, configMapManifest } from '../support/controller-harness.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { applyOverlay, CONTROLLER_PODS, logsOf, realNodeMissing, uninstallController, waitForSingleReadyPod } from '../support/real-node.ts';
import { PAUSE_IMAGE } from '../../scripts/lib/control-plane/real-node.ts';
import { settledReplicaSetCount } from '../support/rollouts.ts';
import { waitFor } from '../support/wait.ts';

test(
  'the webhook overlay: the apiserver calls the webhook through its Service and a new Deployment is created with its checksum',
  { skip: realNodeMissing() },
  async (t) => {
    t.after(async () => {
      await kubectl(['delete', 'mutatingwebhookconfiguration', 'confighash', '--ignore-not-found']);
      await uninstallController();
    });
    await applyOverlay('webhook');
    try {
      await waitForSingleReadyPod(CONTROLLER_NAMESPACE, CONTROLLER_PODS);
      await waitFor(
        async () => {
          const { stdout } = await kubectl(['get', 'mutatingwebhookconfiguration', 'confighash', '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
          return stdout.length > 0;
        },
        { description: 'the controller to patch its CA into the MutatingWebhookConfiguration', timeoutMs: 60_000 },
      );
      const { stdout: service } = await kubectl(['get', 'service', 'confighash-webhook', '-n', CONTROLLER_NAMESPACE, '-o', 'jsonpath={.spec.clusterIP}']);
      assert.match(service, /^10\.96\.\d+\.\d+$/);

      await withTestNamespace(
        async (ns) => {
          const setup = [configMapManifest('web-config', { greeting: 'hello' }), appConfigManifest('web', { configMaps: [{ name: 'web-config' }] })];
          await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: setup }) });
          const deployment = {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'web' },
            spec: {
              replicas: 1,
              selector: { matchLabels: { app: 'web' } },
              template: {
                metadata: { labels: { app: 'web' } },
                spec: { containers: [{ name: 'app', image: PAUSE_IMAGE, envFrom: [{ configMapRef: { name: 'web-config' } }] }] },
              },
            },
          };
          // The AppConfig is read by the webhook from the controller's caches: retry the
          // create (delete in between) until the webhook has seen it.
          const created = await waitFor(
            async () => {
              const { stdout } = await kubectl(['create', '-n', ns, '-o', 'json', '-f', '-'], { input: JSON.stringify(deployment) });
              const object = JSON.parse(stdout) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
              const checksum = object.spec.template.metadata.annotations?.[CHECKSUM_ANNOTATION];
              if (!checksum) await kubectl(['delete', 'deployment', 'web', '-n', ns, '--wait=true']);
              return checksum ?? false;
            },
            { description: 'a Deployment created with the checksum stamped by the webhook', timeoutMs: 60_000, intervalMs: 1000 },
          );
          t.diagnostic(`created with ${CHECKSUM_ANNOTATION}: ${created}`);
          assert.match(created, /^v1\.[0-9a-f]{64}$/);
          assert.equal(await settledReplicaSetCount(ns, 'web'), 1, 'stamped at creation: no rollout afterwards');
        },
        { prefix: 'e2e-webhook' },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- controller logs ---\n${await logsOf(CONTROLLER_NAMESPACE, CONTROLLER_PODS)}`, { cause: error });
    }
  },
);
