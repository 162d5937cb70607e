import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { CHECKSUM_ANNOTATION, FIELD_MANAGER } from '../../src/api/constants.ts';
import { WEBHOOK_DEFAULTS } from '../../src/config/webhook.ts';
import { stampChecksums, type Manifest } from '../../src/render/stamp-stream.ts';
import { allocatePorts } from '../../scripts/lib/control-plane/ports.ts';
import { KUSTOMIZE_DIR, kustomizeBuild, parseManifests, toYaml } from '../../scripts/lib/kustomize.ts';
import { adminKubeConfig, kubectl, testCluster } from '../support/cluster.ts';
import { applyManifests, CONTROLLER_NAMESPACE, installControllerAccess } from '../support/controller-access.ts';
import { appConfigManifest, configMapManifest, secretManifest, waitForReadyCondition } from '../support/controller-harness.ts';
import { startController, type ControllerProcess } from '../support/controller-process.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { workloadRecord } from '../support/records.ts';
import { settledReplicaSetCount } from '../support/rollouts.ts';
import { waitFor } from '../support/wait.ts';
import { deploymentManifest } from '../support/workloads.ts';

/*
 * The admission webhook on the real control plane: the apiserver calls it over TLS at a
 * loopback URL, trusting the CA the controller generated and patched into the
 * MutatingWebhookConfiguration itself. The configuration is the webhook overlay's own, with
 * the URL instead of the Service and a namespaceSelector for this file's namespaces only.
 * Rollouts are counted from the ReplicaSets the deployment controller creates; the
 * controller's own writes from its metrics and from the managedFields the apiserver keeps.
 */

const RUN_LABEL = 'confighash.dev/webhook-test';
const runId = randomBytes(4).toString('hex');
const CONFIG = 'app-config';
const APP_CONFIG = 'app';
const apps = (): AppsV1Api => adminKubeConfig().makeApiClient(AppsV1Api);

let serviceAccountKubeconfig: string;
let webhookPort: number;

before(async () => {
  const cluster = testCluster();
  serviceAccountKubeconfig = await installControllerAccess();
  // The overlay's RBAC for the webhook, exactly as kustomize renders it: the controller runs with nothing more.
  const overlay = parseManifests(await kustomizeBuild(cluster.binDir, join(KUSTOMIZE_DIR, 'overlays/webhook')));
  await applyManifests(toYaml(overlay.filter((m) => /^(Cluster)?Role(Binding)?$/.test(m.kind) && m.metadata.name === 'confighash-webhook')));
  // A certificate from an earlier run may lack this run's host: the controller generates a fresh one.
  await kubectl(['-n', CONTROLLER_NAMESPACE, 'delete', 'secret', WEBHOOK_DEFAULTS.secretName, '--ignore-not-found']);
  ({ webhook: webhookPort } = await allocatePorts(['webhook'] as const));

  const configuration = parse(await readFile(join(KUSTOMIZE_DIR, 'overlays/webhook/mutatingwebhookconfiguration.yaml'), 'utf8')) as {
    webhooks: Record<string, unknown>[];
  };
  for (const webhook of configuration.webhooks) {
    webhook.clientConfig = { url: `https://127.0.0.1:${webhookPort}/mutate` };
    webhook.namespaceSelector = { matchLabels: { [RUN_LABEL]: runId } };
  }
  await kubectl(['delete', 'mutatingwebhookconfiguration', WEBHOOK_DEFAULTS.configurationName, '--ignore-not-found']);
  await kubectl(['create', '-f', '-'], { input: JSON.stringify(configuration) });
});

after(async () => {
  await kubectl(['delete', 'mutatingwebhookconfiguration', WEBHOOK_DEFAULTS.configurationName, '--ignore-not-found']).catch(() => undefined);
  if (serviceAccountKubeconfig) await rm(dirname(serviceAccountKubeconfig), { recursive: true, force: true });
});

interface WebhookScene {
  namespace: string;
  controller(): ControllerProcess;
  startController(): Promise<ControllerProcess>;
  stopController(): Promise<void>;
  /** kubectl with -n namespace, a JSON manifest on stdin. */
  kubectlWith(args: string[], manifest: object): Promise<{ stdout: string; stderr: string; code: number }>;
}

/**
 * A namespace of its own that the webhook configuration selects, with the controller (and its
 * webhook on the configuration's loopback port) running under its ServiceAccount, scoped to it.
 */
async function withWebhookScene(prefix: string, fn: (scene: WebhookScene) => Promise<void>, debounce = '0'): Promise<void> {
  await withTestNamespace(
    async (namespace) => {
      await kubectl(['label', 'namespace', namespace, `${RUN_LABEL}=${runId}`]);
      let running: ControllerProcess | undefined;
      const scene: WebhookScene = {
        namespace,
        controller: () => {
          if (!running) throw new Error('the controller is not running');
          return running;
        },
        async startController() {
          running = await startController({
            kubeconfig: serviceAccountKubeconfig,
            args: ['--namespace', namespace, '--debounce', debounce, '--webhook-bind-address', `127.0.0.1:${webhookPort}`, '--webhook-cert-host', '127.0.0.1'],
          });
          await waitForCaBundle();
          return running;
        },
        async stopController() {
          await running?.stop();
          running = undefined;
        },
        kubectlWith: (args, manifest) => kubectl(['-n', namespace, ...args, '-f', '-'], { input: JSON.stringify(manifest), allowFailure: true }),
      };
      await scene.startController();
      try {
        await fn(scene);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- controller log (tail) ---\n${running?.logs().slice(-4000) ?? '(stopped)'}`, { cause: error });
      } finally {
        await running?.stop();
      }
    },
    { prefix },
  );
}

/** The configuration trusts the CA in the controller's TLS Secret. */
async function waitForCaBundle(): Promise<void> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await waitFor(
    async () => {
      const secret = await core.readNamespacedSecret({ namespace: CONTROLLER_NAMESPACE, name: WEBHOOK_DEFAULTS.secretName });
      const { stdout } = await kubectl(['get', 'mutatingwebhookconfiguration', WEBHOOK_DEFAULTS.configurationName, '-o', 'jsonpath={.webhooks[*].clientConfig.caBundle}']);
      return stdout !== '' && stdout === secret.data?.['ca.crt'];
    },
    { description: 'the MutatingWebhookConfiguration to trust the CA the controller generated', timeoutMs: 30_000 },
  );
}

/** A ConfigMap and the AppConfig listing it, applied and seen by the controller (its status is Ready). */
async function coverWith(scene: WebhookScene, data: Record<string, string>, applyArgs: string[] = []): Promise<void> {
  const list = { apiVersion: 'v1', kind: 'List', items: [configMapManifest(CONFIG, data), appConfigManifest(APP_CONFIG, { configMaps: [{ name: CONFIG }] })] };
  const applied = await scene.kubectlWith(['apply', ...applyArgs], list);
  assert.equal(applied.code, 0, applied.stderr);
  await waitForReadyCondition(adminKubeConfig(), scene.namespace, APP_CONFIG, 'Ready');
}

/** A Deployment reading the ConfigMap through envFrom, as a manifest in Git would have it: no checksum. */
function appDeployment(name: string, image?: string): V1Deployment {
  const manifest = deploymentManifest(name);
  const container = manifest.spec?.template.spec?.containers[0];
  if (container) {
    container.envFrom = [{ configMapRef: { name: CONFIG } }];
    if (image) container.image = image;
  }
  return manifest;
}

async function deploymentNow(namespace: string, name: string): Promise<{ generation: number; template: string; checksum: string | undefined; managers: string[] }> {
  const d = await apps().readNamespacedDeployment({ namespace, name });
  return {
    generation: d.metadata?.generation ?? 0,
    template: JSON.stringify(d.spec?.template),
    checksum: d.spec?.template.metadata?.annotations?.[CHECKSUM_ANNOTATION],
    managers: [...new Set((d.metadata?.managedFields ?? []).map((entry) => entry.manager ?? ''))],
  };
}

const replicaSets = (namespace: string, name: string) => settledReplicaSetCount(namespace, name, { stableForMs: 4000 });
const templateWrites = (scene: WebhookScene) => scene.controller().metricValue('confighash_patches_total', { type: 'template' });

test('a Deployment is created with the checksum: one ReplicaSet, and the controller writes nothing to it until its content changes', async () => {
  await withWebhookScene('webhook-create', async (scene) => {
    const { namespace } = scene;
    const data = { LOG_LEVEL: 'info' };
    await coverWith(scene, data);
    const created = await scene.kubectlWith(['create'], appDeployment('web'));
    assert.equal(created.code, 0, created.stderr);

    const expected = await expectedChecksum({ configMaps: { [CONFIG]: { data } } });
    const atCreate = await deploymentNow(namespace, 'web');
    assert.equal(atCreate.checksum, expected, 'the apiserver stored the checksum the webhook added');
    const record = await waitFor(async () => (await workloadRecord(namespace, 'Deployment', 'web')) ?? false, { description: 'the WorkloadRecord of web' });
    assert.equal(record.placement, 'Template');
    assert.equal(record.checksum, expected);

    const count = await replicaSets(namespace, 'web');
    const settled = await deploymentNow(namespace, 'web');
    console.log(`webhook-create: ReplicaSets ${count} (expected 1); generation ${atCreate.generation} -> ${settled.generation}; managers ${settled.managers.join(',')}`);
    assert.equal(count, 1, 'one ReplicaSet, no second rollout');
    assert.equal(settled.generation, atCreate.generation, 'the controller did not change the spec');
    assert.equal(settled.checksum, expected);
    assert.ok(!settled.managers.includes(FIELD_MANAGER), `no write by the controller at the apiserver (managers: ${settled.managers.join(', ')})`);
    assert.equal(await templateWrites(scene), 0);
    assert.ok((await scene.controller().metricValue('confighash_admission_reviews_total', { operation: 'CREATE', outcome: 'Created' })) >= 1);

    // The controller's own rollout passes through the webhook unchanged.
    const v2 = { LOG_LEVEL: 'debug' };
    assert.equal((await scene.kubectlWith(['apply'], configMapManifest(CONFIG, v2))).code, 0);
    const expectedV2 = await expectedChecksum({ configMaps: { [CONFIG]: { data: v2 } } });
    await waitFor(async () => (await deploymentNow(namespace, 'web')).checksum === expectedV2, { description: 'the controller to roll web to the new content' });
    const rolled = await replicaSets(namespace, 'web');
    console.log(`webhook-create (then a content change): ReplicaSets ${rolled} (expected 2)`);
    assert.equal(rolled, 2, 'one rollout for one content change, not undone by the webhook');
    assert.equal((await deploymentNow(namespace, 'web')).checksum, expectedV2);
    assert.equal(await templateWrites(scene), 1);
    assert.equal(await scene.controller().metricValue('confighash_admission_reviews_total', { operation: 'UPDATE', outcome: 'OwnWrite' }), 1);
  });
});

test('kubectl replace without the annotation keeps the checksum: no ReplicaSet when nothing else changed, one when the image did', async () => {
  // A quiet period long enough that the replace below lands inside it.
  await withWebhookScene(
    'webhook-replace',
    async (scene) => {
      const { namespace } = scene;
      const v1 = { LOG_LEVEL: 'info' };
      await coverWith(scene, v1);
      assert.equal((await scene.kubectlWith(['create'], appDeployment('web'))).code, 0);
      const before = await deploymentNow(namespace, 'web');
      assert.equal(await replicaSets(namespace, 'web'), 1);

      const replaced = await scene.kubectlWith(['replace'], appDeployment('web'));
      assert.equal(replaced.code, 0, replaced.stderr);
      const afterReplace = await deploymentNow(namespace, 'web');
      const unchangedCount = await replicaSets(namespace, 'web');
      console.log(`webhook-replace (template unchanged): ReplicaSets ${unchangedCount} (expected 1, 0 new)`);
      assert.equal(afterReplace.checksum, before.checksum, 'the webhook put the live checksum back');
      // The generation moves anyway: a replace drops the deployment controller's revision annotation.
      assert.equal(afterReplace.template, before.template, 'the replace left the pod template as it was');
      assert.equal(unchangedCount, 1, '0 new ReplicaSets');

      // Content changes, and within the quiet period a replace changes the image as well.
      const v2 = { LOG_LEVEL: 'debug' };
      const expectedV2 = await expectedChecksum({ configMaps: { [CONFIG]: { data: v2 } } });
      assert.equal((await scene.kubectlWith(['apply'], configMapManifest(CONFIG, v2))).code, 0);
      // A server-side dry run asks the webhook too: it answers from the controller's memory once the edit is in it.
      await waitFor(
        async () => {
          const probe = await scene.kubectlWith(['create', '--dry-run=server', '-o', 'json'], appDeployment('probe'));
          return (JSON.parse(probe.stdout) as V1Deployment).spec?.template.metadata?.annotations?.[CHECKSUM_ANNOTATION] === expectedV2;
        },
        { description: 'the controller to have seen the ConfigMap edit' },
      );
      const withImage = await scene.kubectlWith(['replace'], appDeployment('web', 'registry.k8s.io/pause:3.9'));
      assert.equal(withImage.code, 0, withImage.stderr);
      assert.equal((await deploymentNow(namespace, 'web')).checksum, expectedV2, 'the new pods read the new content, and say so');

      // After the quiet period the controller records the change as rolled by the replace.
      const record = await waitFor(async () => {
        const r = await workloadRecord(namespace, 'Deployment', 'web');
        return r?.checksum === expectedV2 && r;
      }, { description: 'the record of web to catch up with the edit' });
      const changedCount = await replicaSets(namespace, 'web');
      console.log(`webhook-replace (image changed + content edit in the quiet period): ReplicaSets ${changedCount} (expected 2, 1 new); record ${record.placement}`);
      assert.equal(changedCount, 2, 'one new ReplicaSet, from the replace; none from the controller');
      assert.equal(record.placement, 'Template');
      assert.equal(await templateWrites(scene), 0, 'the controller wrote no pod template');
    },
    '3s',
  );
});

test('server-side apply as Flux does it, of a template without the annotation: no drift, no rollout', async () => {
  await withWebhookScene('webhook-ssa', async (scene) => {
    const { namespace } = scene;
    const flux = ['--server-side', '--field-manager=kustomize-controller'];
    const data = { LOG_LEVEL: 'info' };
    await coverWith(scene, data, flux);
    const manifest = appDeployment('web');
    const applied = await scene.kubectlWith(['apply', ...flux], manifest);
    assert.equal(applied.code, 0, applied.stderr);
    const expected = await expectedChecksum({ configMaps: { [CONFIG]: { data } } });
    const first = await deploymentNow(namespace, 'web');
    assert.equal(first.checksum, expected);
    await waitFor(async () => (await workloadRecord(namespace, 'Deployment', 'web'))?.placement === 'Template', { description: 'the record of web' });

    const diff = await scene.kubectlWith(['diff', ...flux], manifest);
    assert.equal(diff.code, 0, `kubectl diff --server-side shows no drift:\n${diff.stdout}${diff.stderr}`);
    const reapplied = await scene.kubectlWith(['apply', ...flux], manifest);
    assert.equal(reapplied.code, 0, reapplied.stderr);
    assert.doesNotMatch(reapplied.stderr, /conflict/i);

    const count = await replicaSets(namespace, 'web');
    const settled = await deploymentNow(namespace, 'web');
    console.log(`webhook-ssa: ReplicaSets ${count} (expected 1); generation ${first.generation} -> ${settled.generation}; managers ${settled.managers.join(',')}`);
    assert.equal(count, 1);
    assert.equal(settled.generation, first.generation);
    assert.equal(settled.checksum, expected);
    assert.equal(await templateWrites(scene), 0);
  });
});

test('render and the webhook together: a workload that also reads a Secret keeps the checksum rendered from Git: no drift, no rollout, no write', async () => {
  await withWebhookScene('webhook-git', async (scene) => {
    const { namespace } = scene;
    const flux = ['--server-side', '--field-manager=kustomize-controller'];
    const data = { LOG_LEVEL: 'info' };
    const appConfig = appConfigManifest(APP_CONFIG, { configMaps: [{ name: CONFIG }], secrets: [{ name: 'db' }] });
    const sources = { apiVersion: 'v1', kind: 'List', items: [configMapManifest(CONFIG, data), secretManifest('db', { PASSWORD: 'hunter2' }), appConfig] };
    assert.equal((await scene.kubectlWith(['apply', ...flux], sources)).code, 0);
    await waitForReadyCondition(adminKubeConfig(), namespace, APP_CONFIG, 'Ready');
    const deployment = appDeployment('web');
    const container = deployment.spec?.template.spec?.containers[0];
    if (container) container.envFrom = [...(container.envFrom ?? []), { secretRef: { name: 'db' } }];
    // What `confighash render` makes of the Git stream (the ConfigMap, the AppConfig and the Deployment; no Secret).
    const inNamespace = (m: object): Manifest => ({ ...m, metadata: { ...(m as { metadata?: object }).metadata, namespace } });
    const inGit = [configMapManifest(CONFIG, data), appConfig, deployment].map(inNamespace);
    const rendered = stampChecksums(inGit).manifests[2] as unknown as V1Deployment;
    const fromGit = rendered.spec?.template.metadata?.annotations?.[CHECKSUM_ANNOTATION];
    const withSecret = await expectedChecksum({ configMaps: { [CONFIG]: { data } }, secrets: { db: { data: { PASSWORD: 'hunter2' } } } });
    assert.ok(fromGit !== undefined && fromGit !== withSecret, 'render leaves the Secret out, so its checksum differs from the controller\'s');

    const applied = await scene.kubectlWith(['apply', ...flux], rendered);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await deploymentNow(namespace, 'web')).checksum, fromGit, 'the webhook kept the checksum rendered from Git');
    await waitFor(async () => (await workloadRecord(namespace, 'Deployment', 'web')) ?? false, { description: 'the record of web' });
    const diff = await scene.kubectlWith(['diff', ...flux], rendered);
    assert.equal(diff.code, 0, `kubectl diff --server-side shows no drift:\n${diff.stdout}${diff.stderr}`);
    const count = await replicaSets(namespace, 'web');
    console.log(`webhook-git: ReplicaSets ${count} (expected 1); checksum from Git kept`);
    assert.equal(count, 1);
    assert.equal((await deploymentNow(namespace, 'web')).checksum, fromGit);
    assert.equal(await templateWrites(scene), 0, 'the controller records the Git checksum without rolling');
    assert.ok((await scene.controller().metricValue('confighash_admission_reviews_total', { operation: 'CREATE', outcome: 'FromGit' })) >= 1);
  });
});

test('with the webhook down, creates still succeed (failurePolicy Ignore), and the controller catches up when it starts', async () => {
  await withWebhookScene('webhook-down', async (scene) => {
    const { namespace } = scene;
    await coverWith(scene, { LOG_LEVEL: 'info' });
    assert.equal((await scene.kubectlWith(['create'], appDeployment('before'))).code, 0);
    const beforeChecksum = (await deploymentNow(namespace, 'before')).checksum;
    assert.ok(beforeChecksum);
    await waitFor(async () => (await workloadRecord(namespace, 'Deployment', 'before'))?.placement === 'Template', { description: 'the record of before' });

    await scene.stopController();
    const v2 = { LOG_LEVEL: 'debug' };
    assert.equal((await scene.kubectlWith(['apply'], configMapManifest(CONFIG, v2))).code, 0);
    const started = performance.now();
    const created = await scene.kubectlWith(['create'], appDeployment('during'));
    const createMs = performance.now() - started;
    assert.equal(created.code, 0, `the create went through with the webhook down: ${created.stderr}`);
    assert.equal((await deploymentNow(namespace, 'during')).checksum, undefined, 'no webhook, no checksum');

    await scene.startController();
    const expectedV2 = await expectedChecksum({ configMaps: { [CONFIG]: { data: v2 } } });
    const rolled = await waitFor(async () => (await deploymentNow(namespace, 'before')).checksum === expectedV2, { description: 'the controller to roll before, whose content changed while it was down' });
    assert.ok(rolled);
    const adopted = await waitFor(async () => (await workloadRecord(namespace, 'Deployment', 'during')) ?? false, { description: 'the controller to adopt during' });
    const beforeCount = await replicaSets(namespace, 'before');
    const duringCount = await replicaSets(namespace, 'during');
    console.log(`webhook-down: create took ${Math.round(createMs)} ms; ReplicaSets before ${beforeCount} (expected 2), during ${duringCount} (expected 1); during's record ${adopted.placement}`);
    assert.equal(beforeCount, 2, 'one rollout for the change made while the controller was down');
    assert.equal(duringCount, 1, 'adopted without a rollout');
    assert.equal(adopted.placement, 'Baseline');
    assert.equal(adopted.checksum, expectedV2, 'recorded with the content its pods started with');
    assert.equal(await templateWrites(scene), 1, 'one template write: the catch-up rollout');
  });
});
