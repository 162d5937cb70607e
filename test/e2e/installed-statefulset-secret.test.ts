// On the real node, with the controller installed from the cluster overlay: a StatefulSet
// whose pod reads a Secret mounted as a file once, at start, and serves it over HTTP. An
// edit of the Secret gives exactly one new ControllerRevision, and the replacement pod
// serves the new content.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTROLLER_NAMESPACE } from '../support/controller-access.ts';
import { kubectl } from '../support/cluster.ts';
import { appConfigManifest, secretManifest } from '../support/controller-harness.ts';
import { withTestNamespace } from '../support/namespace.ts';
import {
  CONTROLLER_PODS,
  getFromPod,
  installController,
  logsOf,
  realNodeMissing,
  sampleAppImageOverride,
  uninstallController,
  waitForSingleReadyPod,
} from '../support/real-node.ts';
import { countControllerRevisions, settledControllerRevisionCount } from '../support/rollouts.ts';
import { waitFor } from '../support/wait.ts';
import { workloadRecord } from '../support/records.ts';

const NAME = 'token-reader';
const PORT = 3000;

function statefulSet(image: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: NAME },
    spec: {
      serviceName: NAME,
      replicas: 1,
      selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME } },
        spec: {
          terminationGracePeriodSeconds: 1,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image,
              // Reads the file once: only a new pod sees new content.
              command: [
                'node',
                '-e',
                `const token = require('node:fs').readFileSync('/etc/token/value', 'utf8'); require('node:http').createServer((q, r) => r.end(token)).listen(${PORT})`,
              ],
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'token', mountPath: '/etc/token', readOnly: true }],
            },
          ],
          volumes: [{ name: 'token', secret: { secretName: 'reader-token' } }],
        },
      },
    },
  };
}

test(
  'a StatefulSet that reads a Secret mounted as a file rolls once when the Secret changes, and its new pod serves the new content',
  { skip: realNodeMissing() },
  async (t) => {
    t.after(uninstallController);
    await installController();
    const image = sampleAppImageOverride();
    try {
      await withTestNamespace(
        async (ns) => {
          const objects = [
            secretManifest('reader-token', { value: 'first' }),
            statefulSet(`${image.newName}:${image.newTag}`),
            appConfigManifest('reader', { secrets: [{ name: 'reader-token' }] }),
          ];
          await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
          const before = await waitForSingleReadyPod(ns, `app=${NAME}`);
          assert.equal(await waitFor(() => getFromPod(before, PORT), { description: 'the pod to answer' }), 'first');
          await waitFor(async () => (await workloadRecord(ns, 'StatefulSet', NAME))?.checksum ?? false, {
            description: `confighash to record StatefulSet ${ns}/${NAME}`,
            timeoutMs: 60_000,
          });
          assert.equal(await settledControllerRevisionCount(ns, 'StatefulSet', NAME), 1, 'adoption rolls nothing');

          await kubectl(['patch', 'secret', 'reader-token', '-n', ns, '--type=merge', '-p', '{"stringData":{"value":"second"}}']);
          await waitFor(async () => (await countControllerRevisions(ns, 'StatefulSet', NAME)) >= 2, {
            description: `a second ControllerRevision of ${ns}/${NAME}`,
            timeoutMs: 60_000,
          });
          const after = await waitFor(
            async () => {
              const pod = await waitForSingleReadyPod(ns, `app=${NAME}`, { timeoutMs: 5000 }).catch(() => undefined);
              return pod && pod.metadata?.uid !== before.metadata?.uid && pod;
            },
            { description: `a new Ready pod of ${ns}/${NAME}`, timeoutMs: 180_000, intervalMs: 500 },
          );
          assert.equal(await waitFor(() => getFromPod(after, PORT), { description: 'the new pod to answer' }), 'second');
          assert.equal(await settledControllerRevisionCount(ns, 'StatefulSet', NAME), 2, 'one content change, one rollout');
        },
        { prefix: 'e2e-sts' },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- controller logs ---\n${await logsOf(CONTROLLER_NAMESPACE, CONTROLLER_PODS)}`, { cause: error });
    }
  },
);
