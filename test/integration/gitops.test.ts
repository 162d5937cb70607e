import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { CHECKSUM_ANNOTATION, FIELD_MANAGER } from '../../src/api/constants.ts';
import { adminKubeConfig, kubectl } from '../support/cluster.ts';
import { applyManifests, installControllerAccess } from '../support/controller-access.ts';
import { startController, type ControllerProcess } from '../support/controller-process.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { settledReplicaSetCount, waitForDeploymentObserved } from '../support/rollouts.ts';
import {
  KEYED_CHECKSUM,
  SAMPLE,
  sampleAnnotations,
  sampleAppManifests,
  toYaml,
  waitForAdoption,
  waitForTemplateChecksum,
  withConfigMapKey,
} from '../support/sample-app.ts';
import { waitFor } from '../support/wait.ts';

/*
 * What Argo CD and Flux do to a workload confighash has annotated, on the real control
 * plane, with the sample overlay's app (kustomize/overlays/sample/app) rendered into a
 * namespace of each test's own. Rollouts are counted from the ReplicaSets the real
 * deployment controller creates.
 */

let serviceAccountKubeconfig: string;

before(async () => {
  serviceAccountKubeconfig = await installControllerAccess();
});
after(async () => {
  if (serviceAccountKubeconfig) await rm(dirname(serviceAccountKubeconfig), { recursive: true, force: true });
});

/** A namespace with the controller (under its kustomize ServiceAccount) watching only it. */
async function withWatchedNamespace(prefix: string, fn: (namespace: string) => Promise<void>): Promise<void> {
  await withTestNamespace(
    async (namespace) => {
      const controller: ControllerProcess = await startController({
        kubeconfig: serviceAccountKubeconfig,
        args: ['--namespace', namespace, '--debounce', '0'],
      });
      try {
        await fn(namespace);
      } catch (error) {
        throw new Error(`${(error as Error).message}\ncontroller output (tail):\n${controller.logs().slice(-3000)}`, { cause: error });
      } finally {
        await controller.stop();
      }
    },
    { prefix },
  );
}

const replicaSets = (namespace: string) => settledReplicaSetCount(namespace, SAMPLE.deployment);

test('client-side kubectl apply: a content change rolls once, re-applying the same manifests rolls nothing and diffs clean', async () => {
  await withWatchedNamespace('gitops-csa', async (namespace) => {
    const v1 = await sampleAppManifests(namespace);
    await applyManifests(toYaml(v1));
    await waitForAdoption(namespace);
    assert.equal(await replicaSets(namespace), 1, 'adoption does not roll');

    const v2 = toYaml(withConfigMapKey(v1, 'log_level', 'debug'));
    await applyManifests(v2);
    const checksum = await waitForTemplateChecksum(namespace, undefined);
    assert.match(checksum, KEYED_CHECKSUM);
    assert.equal(await replicaSets(namespace), 2, 'one rollout for one content change');

    await applyManifests(v2);
    assert.equal(await replicaSets(namespace), 2, 're-applying rolls nothing');
    assert.equal((await sampleAnnotations(namespace)).checksum, checksum, 'the checksum annotation stays');

    const diff = await kubectl(['diff', '-f', '-'], { input: v2, allowFailure: true });
    assert.equal(diff.code, 0, `kubectl diff shows no drift:\n${diff.stdout}${diff.stderr}`);
    assert.equal(diff.stdout, '');
  });
});

test('server-side apply as Flux does it keeps the checksum: no conflict, no rollout on re-apply', async () => {
  await withWatchedNamespace('gitops-ssa', async (namespace) => {
    const flux = ['--server-side', '--field-manager=kustomize-controller'];
    const v1 = await sampleAppManifests(namespace);
    await applyManifests(toYaml(v1), flux);
    await waitForAdoption(namespace);
    assert.equal(await replicaSets(namespace), 1);

    const v2 = toYaml(withConfigMapKey(v1, 'log_level', 'debug'));
    await applyManifests(v2, flux);
    const checksum = await waitForTemplateChecksum(namespace, undefined);
    assert.equal(await replicaSets(namespace), 2);

    // The annotation is a field confighash owns; the manifests never mention it.
    const apps = adminKubeConfig().makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({ namespace, name: SAMPLE.deployment });
    const owners = (deployment.metadata?.managedFields ?? [])
      .filter((entry) => JSON.stringify(entry.fieldsV1 ?? {}).includes(`f:${CHECKSUM_ANNOTATION}`))
      .map((entry) => entry.manager);
    assert.deepEqual(owners, [FIELD_MANAGER]);

    // No --force-conflicts: a conflict would fail the apply.
    const reapply = await kubectl(['apply', ...flux, '-f', '-'], { input: v2, allowFailure: true });
    assert.equal(reapply.code, 0, reapply.stderr);
    assert.doesNotMatch(reapply.stderr, /conflict/i);
    assert.equal(await replicaSets(namespace), 2, 're-applying rolls nothing');
    assert.equal((await sampleAnnotations(namespace)).checksum, checksum, 'the checksum annotation survives');

    const diff = await kubectl(['diff', ...flux, '-f', '-'], { input: v2, allowFailure: true });
    assert.equal(diff.code, 0, `kubectl diff --server-side shows no drift:\n${diff.stdout}${diff.stderr}`);
  });
});

test('kubectl replace without the annotation rolls once by itself; confighash re-baselines instead of rolling again', async () => {
  await withWatchedNamespace('gitops-replace', async (namespace) => {
    const v1 = await sampleAppManifests(namespace);
    const v2 = withConfigMapKey(v1, 'log_level', 'debug');
    await applyManifests(toYaml(v1));
    await waitForAdoption(namespace);
    await applyManifests(toYaml(v2));
    const checksum = await waitForTemplateChecksum(namespace, undefined);
    assert.equal(await replicaSets(namespace), 2);
    const revisionBefore = Number(await waitForDeploymentObserved(namespace, SAMPLE.deployment));

    const deploymentOnly = toYaml(v2.filter((m) => m.kind === 'Deployment'));
    await kubectl(['replace', '-f', '-'], { input: deploymentOnly });
    const rebaselined = await waitFor(
      async () => {
        const now = await sampleAnnotations(namespace);
        return now.checksum === undefined && now.baseline !== undefined ? now.baseline : false;
      },
      { description: 'confighash to record a baseline after the replace removed the template checksum' },
    );
    assert.equal(rebaselined, checksum, 'the baseline is the checksum of the unchanged content');
    // The pod template is back to revision 1's, so the deployment controller reuses that
    // ReplicaSet: the replace is one rollout (a new revision), and confighash adds none.
    assert.equal(await replicaSets(namespace), 2);
    assert.equal(Number(await waitForDeploymentObserved(namespace, SAMPLE.deployment)), revisionBefore + 1);
    assert.equal((await sampleAnnotations(namespace)).checksum, undefined, 'confighash did not write the template');

    // Still watching: the next real change rolls exactly once.
    await kubectl(['-n', namespace, 'patch', 'configmap', SAMPLE.configMap, '--type=merge', '-p', '{"data":{"log_level":"info"}}']);
    const next = await waitForTemplateChecksum(namespace, undefined);
    assert.notEqual(next, checksum);
    assert.equal(await replicaSets(namespace), 3);
    assert.equal(Number(await waitForDeploymentObserved(namespace, SAMPLE.deployment)), revisionBefore + 2);
  });
});

test('kubectl describe shows the checksum in the pod template and kubectl get ac shows the printer columns', async () => {
  await withWatchedNamespace('gitops-kubectl', async (namespace) => {
    const v1 = await sampleAppManifests(namespace);
    await applyManifests(toYaml(v1));
    await waitForAdoption(namespace);
    await applyManifests(toYaml(withConfigMapKey(v1, 'log_level', 'debug')));
    const checksum = await waitForTemplateChecksum(namespace, undefined);

    const describe = await kubectl(['-n', namespace, 'describe', 'deployment', SAMPLE.deployment]);
    const podTemplate = describe.stdout.slice(describe.stdout.indexOf('Pod Template:'));
    assert.match(podTemplate, new RegExp(`Annotations:\\s+${CHECKSUM_ANNOTATION.replace('.', '\\.')}: ${checksum}`));

    const table = await waitFor(
      async () => {
        const { stdout } = await kubectl(['-n', namespace, 'get', 'ac']);
        const [header = '', row = ''] = stdout.trim().split('\n');
        const cells = row.trim().split(/\s+/);
        return cells[3] === 'True' ? { header: header.trim().split(/\s+/), cells } : false;
      },
      { description: `AppConfig ${namespace}/${SAMPLE.appConfig} to report Ready in kubectl get ac` },
    );
    assert.deepEqual(table.header, ['NAME', 'SOURCES', 'TARGETS', 'READY', 'ROLLING', 'HALTED', 'AGE']);
    assert.deepEqual(table.cells.slice(0, 4), [SAMPLE.appConfig, '2', '1', 'True']);

    const wide = await kubectl(['-n', namespace, 'get', 'appconfig', SAMPLE.appConfig, '-o', 'wide']);
    assert.match(wide.stdout.split('\n')[0] ?? '', /\bREASON\b/);
  });
});
