// Issue 12: staged rollouts. Three Deployments read one ConfigMap; an AppConfig with
// spec.rollout.maxUnavailableWorkloads: 1 rolls them one at a time in its stable order, halts
// when one fails, and goes on after a new edit or a confighash.dev/resume. Rollouts are the
// ReplicaSets the real deployment controller makes; kwok plays the kubelets, and keeps the
// pods of a rollout to a chosen checksum from ever becoming Ready (a rollout that fails).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfig } from '../../src/api/appconfig.ts';
import { appConfigStatusSchema } from '../../src/api/appconfig-schema.ts';
import { kubectl } from '../support/cluster.ts';
import { appConfigManifest, configMapManifest, controllerServiceAccountKubeconfig, waitForAdoption, withControllerScene, type ControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { assertReplicaSets, editConfigMap, templateChecksum, templateWrites, waitForRolledTo } from '../support/rollout-steps.ts';
import { conditionOf, stagedDeployment, targetReasons, waitForAppConfig, waitForEvent, watchRollouts, type RolloutTimeline } from '../support/staged-rollouts.ts';
import { waitFor } from '../support/wait.ts';

const CANARY_DEADLINE_SECONDS = 10;

/** Waits until each Deployment has all its pods available with its current template and no old pods. */
async function waitForAvailable(scene: ControllerScene, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await waitFor(
      async () => {
        const d = await scene.apps.readNamespacedDeployment({ namespace: scene.namespace, name });
        const s = d.status ?? {};
        return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && s.replicas === 1 && s.updatedReplicas === 1 && s.availableReplicas === 1;
      },
      { description: `Deployment ${scene.namespace}/${name} to be available with its current template`, timeoutMs: 30_000 },
    );
  }
}

/** `kubectl get ac NAME`, as column name -> cell. */
async function getAppConfigColumns(namespace: string, name: string): Promise<Record<string, string>> {
  const { stdout } = await kubectl(['-n', namespace, 'get', 'ac', name]);
  const [header = '', row = ''] = stdout.trim().split('\n');
  const cells = row.split(/\s+/);
  return Object.fromEntries(header.split(/\s+/).map((column, i) => [column, cells[i] ?? '']));
}

function describeTimeline(timeline: RolloutTimeline): string {
  return `rollouts seen: ${timeline.log.join('; ')}`;
}

async function assertOneAtATime(timeline: RolloutTimeline, order: readonly string[]): Promise<void> {
  assert.equal(timeline.mostRollingAtOnce, 1, `at most one Deployment rolling at any moment, saw ${timeline.rollingTogether.join(' + ')}; ${describeTimeline(timeline)}`);
  assert.deepEqual(timeline.startOrder, order, `rolled in the stable order; ${describeTimeline(timeline)}`);
  assert.deepEqual(timeline.newReplicaSets, Object.fromEntries(order.map((n) => [n, 1])), `one new ReplicaSet each; ${describeTimeline(timeline)}`);
}

const WEB = ['canary', 'web-a', 'web-b'] as const;

/**
 * Three Deployments on app-cm, canary named first; a content edit to MODE=broken rolls the
 * canary, whose new pods kwok never makes Ready, so it reaches ProgressDeadlineExceeded and
 * halts the change. Checks everything the halt promises, and returns the bad checksum.
 */
async function haltOnCanary(scene: ControllerScene, appConfig: string): Promise<{ bad: string; halted: AppConfig }> {
  const { namespace } = scene;
  const bad = await expectedChecksum({ configMaps: { 'app-cm': { data: { MODE: 'broken' } } } });
  await scene.apply(
    configMapManifest('app-cm', { MODE: 'good-1' }),
    stagedDeployment('canary', { configMap: 'app-cm', labels: { tier: 'web' }, progressDeadlineSeconds: CANARY_DEADLINE_SECONDS, notReadyWithChecksum: bad }),
    stagedDeployment('web-a', { configMap: 'app-cm', labels: { tier: 'web' } }),
    stagedDeployment('web-b', { configMap: 'app-cm', labels: { tier: 'web' } }),
    appConfigManifest(appConfig, {
      configMaps: [{ name: 'app-cm' }],
      workloads: { names: [{ kind: 'Deployment', name: 'canary' }], selector: { matchLabels: { tier: 'web' } } },
      rollout: { maxUnavailableWorkloads: 1 },
    }),
  );
  for (const name of WEB) await waitForAdoption(namespace, 'Deployment', name);
  await waitForAvailable(scene, WEB);
  await Promise.all(WEB.map((name) => assertReplicaSets(namespace, name, 1, `Deployment ${name} after create and adoption`)));
  const writesBefore = await templateWrites(scene.controller());

  await editConfigMap(namespace, 'app-cm', { MODE: 'broken' });
  await waitForRolledTo(namespace, 'canary', bad);
  const whileRolling = await waitForAppConfig(
    scene.kubeConfig,
    namespace,
    appConfig,
    (ac) => JSON.stringify(targetReasons(ac)) === JSON.stringify({ canary: 'Rolling', 'web-a': 'Waiting', 'web-b': 'Waiting' }) && ac.status?.rollingCount === 1,
    'canary Rolling, web-a and web-b Waiting for their turn',
  );
  assert.equal(conditionOf(whileRolling, 'RolloutHalted')?.status, 'False', 'not halted while the canary is still within its deadline');

  const halted = await waitForAppConfig(
    scene.kubeConfig,
    namespace,
    appConfig,
    (ac) => conditionOf(ac, 'RolloutHalted')?.status === 'True',
    'RolloutHalted True once the canary passed its progress deadline',
    (CANARY_DEADLINE_SECONDS + 30) * 1000,
  );
  const canary = await scene.apps.readNamespacedDeployment({ namespace, name: 'canary' });
  const progressing = canary.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(progressing?.reason, 'ProgressDeadlineExceeded', 'the canary Deployment itself reports that its rollout failed');
  assert.equal(canary.status?.updatedReplicas, 1, 'the canary has its new pod');
  assert.equal(canary.status?.availableReplicas, 1, 'only the old pod is available (maxUnavailable 0 keeps it)');
  assert.deepEqual(targetReasons(halted), { canary: 'RolloutFailed', 'web-a': 'Halted', 'web-b': 'Halted' }, 'status names the failure and the workloads it holds back');
  assert.equal(halted.status?.haltedCount, 1, 'one failed rollout halts the change');
  assert.match(conditionOf(halted, 'RolloutHalted')?.message ?? '', new RegExp(`Deployment/canary@${bad.replaceAll('.', '\\.')}`), 'the condition names the failed change');

  await Promise.all([
    assertReplicaSets(namespace, 'canary', 2, 'the canary rolled once, to the broken content'),
    assertReplicaSets(namespace, 'web-a', 1, 'web-a is not rolled while the change is halted'),
    assertReplicaSets(namespace, 'web-b', 1, 'web-b is not rolled while the change is halted'),
  ]);
  assert.equal(await templateWrites(scene.controller()), writesBefore + 1, 'confighash wrote one pod template: the canary');

  const warning = await waitForEvent(namespace, 'AppConfig', appConfig, 'RolloutHalted');
  assert.equal(warning.type, 'Warning', 'the halt is a Warning Event on the AppConfig');
  assert.match(warning.note ?? '', /Deployment\/canary/, 'the Event names the workload whose rollout failed');
  return { bad, halted };
}

describe('staged rollouts (spec.rollout)', () => {
  it('rolls three Deployments that share a ConfigMap one at a time, named ones first, each exactly once', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      const names = ['web-a', 'web-b', 'web-c'];
      await scene.apply(
        configMapManifest('shared-cm', { MODE: 'one' }),
        // minReadySeconds: a new pod is Ready at once under kwok, but available only 2s later.
        ...names.map((name) => stagedDeployment(name, { configMap: 'shared-cm', labels: { tier: 'staged' }, minReadySeconds: 2 })),
        appConfigManifest('shared', {
          configMaps: [{ name: 'shared-cm' }],
          workloads: { names: [{ kind: 'Deployment', name: 'web-c' }], selector: { matchLabels: { tier: 'staged' } } },
          rollout: { maxUnavailableWorkloads: 1 },
        }),
      );
      for (const name of names) await waitForAdoption(namespace, 'Deployment', name);
      await waitForAvailable(scene, names);
      await Promise.all(names.map((name) => assertReplicaSets(namespace, name, 1, `Deployment ${name} after create and adoption`)));

      const watch = await watchRollouts(namespace);
      await editConfigMap(namespace, 'shared-cm', { MODE: 'two' });
      const expected = await expectedChecksum({ configMaps: { 'shared-cm': { data: { MODE: 'two' } } } });
      for (const name of ['web-c', 'web-a', 'web-b']) await waitForRolledTo(namespace, name, expected);
      await waitForAvailable(scene, names);
      const timeline = await watch.stop();

      await assertOneAtATime(timeline, ['web-c', 'web-a', 'web-b']);
      await Promise.all(names.map((name) => assertReplicaSets(namespace, name, 2, `Deployment ${name}: one rollout for one content edit`)));
      const ac = await waitForAppConfig(scene.kubeConfig, namespace, 'shared', (a) => a.status?.rollingCount === 0, 'nothing rolling any more');
      assert.deepEqual(targetReasons(ac), { 'web-a': 'InSync', 'web-b': 'InSync', 'web-c': 'InSync' });
      assert.deepEqual(
        ac.status?.targets?.map((t) => t.lastRollout?.changed),
        [['ConfigMap shared-cm (MODE)'], ['ConfigMap shared-cm (MODE)'], ['ConfigMap shared-cm (MODE)']],
        'each target says which source and key its last rollout was for',
      );
    });
  });

  it('halts when the first workload fails to become available, and a later good edit rolls all three once each', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      await haltOnCanary(scene, 'web');

      const columns = await getAppConfigColumns(namespace, 'web');
      assert.deepEqual({ ROLLING: columns.ROLLING, HALTED: columns.HALTED }, { ROLLING: '0', HALTED: 'True' }, 'kubectl get ac shows 0 rolling and Halted True');

      const watch = await watchRollouts(namespace);
      await editConfigMap(namespace, 'app-cm', { MODE: 'good-2' });
      const good = await expectedChecksum({ configMaps: { 'app-cm': { data: { MODE: 'good-2' } } } });
      for (const name of WEB) await waitForRolledTo(namespace, name, good);
      await waitForAvailable(scene, WEB);
      const timeline = await watch.stop();

      await assertOneAtATime(timeline, [...WEB]);
      await Promise.all([
        assertReplicaSets(namespace, 'canary', 3, 'the canary rolled once more, to the good content'),
        assertReplicaSets(namespace, 'web-a', 2, 'web-a rolled once, for the good edit'),
        assertReplicaSets(namespace, 'web-b', 2, 'web-b rolled once, for the good edit'),
      ]);
      const after = await waitForAppConfig(scene.kubeConfig, namespace, 'web', (ac) => conditionOf(ac, 'RolloutHalted')?.status === 'False', 'no longer halted');
      assert.deepEqual(targetReasons(after), { canary: 'InSync', 'web-a': 'InSync', 'web-b': 'InSync' });
      assert.equal(after.status?.haltedCount, 0);
    });
  });

  it('goes on to the other workloads after confighash.dev/resume, and rolls the failed one back never', async () => {
    await withControllerScene(async (scene) => {
      const { namespace } = scene;
      const { bad } = await haltOnCanary(scene, 'web');

      const watch = await watchRollouts(namespace);
      await kubectl(['-n', namespace, 'annotate', 'ac', 'web', 'confighash.dev/resume=1', '--overwrite']);
      await waitForRolledTo(namespace, 'web-a', bad);
      await waitForRolledTo(namespace, 'web-b', bad);
      await waitForAvailable(scene, ['web-a', 'web-b']);
      const timeline = await watch.stop();

      await assertOneAtATime(timeline, ['web-a', 'web-b']);
      await Promise.all([
        assertReplicaSets(namespace, 'web-a', 2, 'web-a rolled once after the resume'),
        assertReplicaSets(namespace, 'web-b', 2, 'web-b rolled once after the resume'),
        assertReplicaSets(namespace, 'canary', 2, 'the canary is neither rolled again nor rolled back'),
      ]);
      assert.equal(await templateChecksum(namespace, 'canary'), bad, 'the canary keeps the failed template: rolling back is the user\'s call');

      const resumed = await waitForAppConfig(
        scene.kubeConfig,
        namespace,
        'web',
        (ac) => ac.status?.resumedWith === '1' && conditionOf(ac, 'RolloutHalted')?.status === 'False',
        'resumedWith "1" and RolloutHalted False',
      );
      assert.deepEqual(resumed.status?.acknowledgedFailures, [`Deployment/canary@${bad}`], 'the resume acknowledged the canary failure');
      assert.deepEqual(targetReasons(resumed), { canary: 'RolloutFailed', 'web-a': 'InSync', 'web-b': 'InSync' });
    });
  });
});

describe('the AppConfig API', () => {
  it('--max-concurrent-rollouts 1 rolls two Deployments of one plain AppConfig one after the other, waking the second when the first is available', async () => {
    await withControllerScene(
      async (scene) => {
        const { namespace } = scene;
        const names = ['cap-a', 'cap-b'];
        await scene.apply(
          configMapManifest('cap-cm', { MODE: 'one' }),
          ...names.map((name) => stagedDeployment(name, { configMap: 'cap-cm', minReadySeconds: 2 })),
          appConfigManifest('cap', { configMaps: [{ name: 'cap-cm' }] }),
        );
        for (const name of names) await waitForAdoption(namespace, 'Deployment', name);
        await waitForAvailable(scene, names);

        const watch = await watchRollouts(namespace);
        await editConfigMap(namespace, 'cap-cm', { MODE: 'two' });
        const expected = await expectedChecksum({ configMaps: { 'cap-cm': { data: { MODE: 'two' } } } });
        // No spec.rollout: only the global cap holds the second back, and only progress of the first wakes it.
        for (const name of names) await waitForRolledTo(namespace, name, expected);
        await waitForAvailable(scene, names);
        const timeline = await watch.stop();
        assert.equal(timeline.mostRollingAtOnce, 1, `at most one rolling at once; ${describeTimeline(timeline)}`);
        assert.deepEqual(timeline.newReplicaSets, { 'cap-a': 1, 'cap-b': 1 }, `one new ReplicaSet each; ${describeTimeline(timeline)}`);
      },
      { args: ['--debounce', '0', '--max-concurrent-rollouts', '1'] },
    );
  });

  it('kubectl explain appconfig.status.targets prints the schema descriptions', async () => {
    await controllerServiceAccountKubeconfig(); // installs the CRD
    const { stdout } = await kubectl(['explain', 'appconfig.status.targets']);
    const flat = stdout.replace(/\s+/g, ' ');
    const targets = appConfigStatusSchema.properties.targets;
    for (const text of [targets.description, targets.items.properties.reason.description, targets.items.properties.lastRollout.description]) {
      assert.ok(flat.includes(String(text)), `kubectl explain shows "${text}":\n${stdout}`);
    }
    assert.match(stdout, /lastRollout\s+<Object>/, 'lastRollout is listed as a field');
  });
});
