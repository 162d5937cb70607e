// On the real node: the HA overlay, two controller pods behind a Lease. Deleting the
// leader's pod (which releases the Lease on SIGTERM) hands the Lease to another pod, which
// then rolls the sample app once on a ConfigMap edit. Which pod wins is a race: the
// standby retries every 2s, and the Deployment's replacement pod asks as soon as it starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { SAMPLE_APP_DIR } from '../../scripts/lib/kustomize.ts';
import { adminKubeConfig, kubectl } from '../support/cluster.ts';
import { CONTROLLER_NAMESPACE } from '../support/controller-access.ts';
import { withTestNamespace } from '../support/namespace.ts';
import {
  applyOverlay,
  buildOverlay,
  CONTROLLER_PODS,
  logsOf,
  podsOf,
  realNodeMissing,
  sampleAppImageOverride,
  uninstallController,
} from '../support/real-node.ts';
import { countReplicaSets, settledReplicaSetCount } from '../support/rollouts.ts';
import { SAMPLE, waitForAdoption } from '../support/sample-app.ts';
import { waitFor } from '../support/wait.ts';

/** The pod named as holder by a Lease in the controller's namespace, among `pods`. */
async function leaderAmong(pods: string[]): Promise<string | false> {
  const leases = await adminKubeConfig().makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: CONTROLLER_NAMESPACE });
  const holders = leases.items.map((lease) => lease.spec?.holderIdentity).filter((holder): holder is string => holder !== undefined);
  return pods.find((pod) => holders.includes(pod)) ?? false;
}

test(
  'the HA overlay runs two controller pods; when the leader pod is deleted another pod takes the Lease and rolls the sample app once on an edit',
  { skip: realNodeMissing() },
  async (t) => {
    t.after(uninstallController);
    await applyOverlay('ha');
    try {
      const running = await waitFor(
        async () => {
          const pods = (await podsOf(CONTROLLER_NAMESPACE, CONTROLLER_PODS)).filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
          return pods.length === 2 && pods.map((p) => p.metadata?.name ?? '');
        },
        { description: 'two running controller pods', timeoutMs: 180_000, intervalMs: 500 },
      );
      const leader = await waitFor(() => leaderAmong(running), { description: 'one of the two pods to hold the Lease', timeoutMs: 60_000 });
      const standby = running.find((name) => name !== leader) ?? '';
      t.diagnostic(`leader ${leader}, standby ${standby}`);

      await withTestNamespace(
        async (ns) => {
          await kubectl(['apply', '-f', '-'], { input: await buildOverlay(SAMPLE_APP_DIR, { namespace: ns, images: [sampleAppImageOverride()] }) });
          await waitForAdoption(ns, 60_000);

          await kubectl(['delete', 'pod', leader, '-n', CONTROLLER_NAMESPACE, '--wait=false']);
          const successor = await waitFor(
            async () => {
              const pods = (await podsOf(CONTROLLER_NAMESPACE, CONTROLLER_PODS)).map((p) => p.metadata?.name ?? '').filter((name) => name !== leader);
              return leaderAmong(pods);
            },
            { description: `a pod other than ${leader} to take the Lease`, timeoutMs: 60_000 },
          );
          t.diagnostic(`${successor === standby ? 'the standby' : "the Deployment's replacement pod"} ${successor} took the Lease`);
          await kubectl(['patch', 'configmap', SAMPLE.configMap, '-n', ns, '--type=merge', '-p', '{"data":{"n_items":"7000"}}']);
          await waitFor(async () => (await countReplicaSets(ns, SAMPLE.deployment)) >= 2, {
            description: `a second ReplicaSet of ${ns}/${SAMPLE.deployment}`,
            timeoutMs: 60_000,
          });
          assert.equal(await settledReplicaSetCount(ns, SAMPLE.deployment), 2, 'one content change, one rollout');
          const successorLog = await kubectl(['logs', '-n', CONTROLLER_NAMESPACE, successor], { allowFailure: true });
          assert.match(successorLog.stdout, new RegExp(`Rolling Deployment ${ns}/${SAMPLE.deployment}:`), 'the new leader did the rollout');
        },
        { prefix: 'e2e-ha' },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- controller logs ---\n${await logsOf(CONTROLLER_NAMESPACE, CONTROLLER_PODS)}`, { cause: error });
    }
  },
);
