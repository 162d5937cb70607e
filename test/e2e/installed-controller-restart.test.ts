// On the real node: `kubectl delete pod` of the installed controller right after a burst
// of ConfigMap edits, while the edits still wait out the controller's debounce. The
// replacement pod finishes the work: every workload rolls exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PAUSE_IMAGE } from '../../scripts/lib/control-plane/real-node.ts';
import { kubectl } from '../support/cluster.ts';
import { CONTROLLER_NAMESPACE } from '../support/controller-access.ts';
import { appConfigManifest, configMapManifest } from '../support/controller-harness.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { CONTROLLER_PODS, installController, logsOf, realNodeMissing, uninstallController, waitForSingleReadyPod } from '../support/real-node.ts';
import { workloadRecord } from '../support/records.ts';
import { countReplicaSets, settledReplicaSetCount } from '../support/rollouts.ts';
import { waitFor } from '../support/wait.ts';

const WORKLOADS = 6;

function deployment(name: string, configMap: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'app', image: PAUSE_IMAGE, envFrom: [{ configMapRef: { name: configMap } }] }],
        },
      },
    },
  };
}

test(
  'the controller pod deleted in the middle of a burst of edits: its replacement rolls every workload exactly once',
  { skip: realNodeMissing() },
  async (t) => {
    t.after(uninstallController);
    const first = await installController();
    const names = Array.from({ length: WORKLOADS }, (_, i) => `burst-${i}`);
    try {
      await withTestNamespace(
        async (ns) => {
          const objects = names.flatMap((name) => [configMapManifest(`${name}-config`, { round: '0' }), deployment(name, `${name}-config`)]);
          objects.push(appConfigManifest('burst', { configMaps: names.map((name) => ({ name: `${name}-config` })) }));
          await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
          for (const name of names) {
            await waitFor(async () => (await workloadRecord(ns, 'Deployment', name))?.checksum ?? false, {
              description: `confighash to record Deployment ${ns}/${name}`,
              timeoutMs: 60_000,
            });
          }
          for (const name of names) assert.equal(await countReplicaSets(ns, name), 1, `${name}: adoption rolls nothing`);

          // The burst, then at once the kill: the installed controller debounces for 1s.
          await Promise.all(
            names.map((name) => kubectl(['patch', 'configmap', `${name}-config`, '-n', ns, '--type=merge', '-p', '{"data":{"round":"1"}}'])),
          );
          await kubectl(['delete', 'pod', first.metadata?.name ?? '', '-n', CONTROLLER_NAMESPACE, '--wait=false']);
          const second = await waitForSingleReadyPod(CONTROLLER_NAMESPACE, CONTROLLER_PODS, { not: first.metadata?.name });
          t.diagnostic(`controller pod ${first.metadata?.name} deleted; ${second.metadata?.name} took over`);

          for (const name of names) {
            await waitFor(async () => (await countReplicaSets(ns, name)) >= 2, { description: `a second ReplicaSet of ${ns}/${name}`, timeoutMs: 90_000 });
          }
          for (const name of names) assert.equal(await settledReplicaSetCount(ns, name), 2, `${name}: one content change, one rollout`);
          const secondLog = await kubectl(['logs', '-n', CONTROLLER_NAMESPACE, second.metadata?.name ?? ''], { allowFailure: true });
          const rolledBySecond = names.filter((name) => secondLog.stdout.includes(`Rolling Deployment ${ns}/${name}:`));
          t.diagnostic(`rolled by the replacement pod: ${rolledBySecond.length} of ${WORKLOADS}`);
        },
        { prefix: 'e2e-burst' },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- controller logs ---\n${await logsOf(CONTROLLER_NAMESPACE, CONTROLLER_PODS)}`, { cause: error });
    }
  },
);
