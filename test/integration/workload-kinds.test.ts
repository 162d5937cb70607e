// Workload kinds beyond Deployments: CronJobs (covered by default) and a kind given by
// --workload-kind, on the real control plane. Counted by the generation of the object, which
// the apiserver bumps on every spec change: a CronJob and a custom kind roll nothing by
// themselves, so each template write of confighash shows as exactly one generation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkloadKindSpec } from '../../src/api/workload-kinds.ts';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { kubectl } from '../support/cluster.ts';
import { controllerRuleManifests } from '../support/controller-access.ts';
import { appConfigManifest, configMapManifest, readAppConfig, waitForAdoption, withControllerScene } from '../support/controller-harness.ts';
import { expectedChecksum } from '../support/expected-checksum.ts';
import { readWorkload, recordOwnersThenDelete, templateChecksumOf } from '../support/records.ts';
import { settle, waitFor } from '../support/wait.ts';

const podSpec = (configMap: string) => ({
  restartPolicy: 'Never',
  containers: [{ name: 'main', image: 'registry.example/job:1', envFrom: [{ configMapRef: { name: configMap } }] }],
});

/** The object's generation once it has stopped changing for a few seconds. */
function settledGeneration(namespace: string, kind: string | WorkloadKindSpec, name: string): Promise<number> {
  return settle(async () => (await readWorkload(namespace, kind, name)).metadata?.generation ?? 0, {
    description: `the generation of ${typeof kind === 'string' ? kind : kind.kind} ${name}`,
  });
}

describe('CronJobs', () => {
  it('gets the checksum in its job template once per content edit, and the next Job runs with it', async () => {
    await withControllerScene(async ({ namespace, apply, kubeConfig, stopController, startController }) => {
      await apply(
        configMapManifest('report-config', { LEVEL: 'info' }),
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'report' },
          // Suspended and yearly: the test starts its Jobs itself, with kubectl create job --from.
          spec: { schedule: '0 0 1 1 *', suspend: true, jobTemplate: { spec: { template: { spec: podSpec('report-config') } } } },
        },
        appConfigManifest('report', { configMaps: [{ name: 'report-config' }] }),
      );
      await waitForAdoption(namespace, 'CronJob', 'report');
      const adopted = await settledGeneration(namespace, 'CronJob', 'report');
      assert.equal(await templateChecksumOf(namespace, 'CronJob', 'report'), undefined, 'adoption writes nothing to the CronJob');

      await kubectl(['-n', namespace, 'patch', 'configmap', 'report-config', '--type=merge', '-p', JSON.stringify({ data: { LEVEL: 'debug' } })]);
      const expected = await expectedChecksum({ configMaps: { 'report-config': { data: { LEVEL: 'debug' } } } });
      await waitFor(async () => (await templateChecksumOf(namespace, 'CronJob', 'report')) === expected, { description: 'the checksum in the job template' });
      assert.equal(await settledGeneration(namespace, 'CronJob', 'report'), adopted + 1, 'one write for one edit');

      await kubectl(['-n', namespace, 'create', 'job', '--from=cronjob/report', 'report-after-edit']);
      const job = JSON.parse((await kubectl(['-n', namespace, 'get', 'job', 'report-after-edit', '-o', 'json'])).stdout) as {
        spec: { template: { metadata?: { annotations?: Record<string, string> } } };
      };
      assert.equal(job.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION], expected, 'a Job made after the edit carries the new checksum');

      // Neither a metadata-only edit nor a restart writes again, and the started Job is left alone.
      await kubectl(['-n', namespace, 'label', 'configmap', 'report-config', 'team=reports']);
      await stopController();
      await startController();
      assert.equal(await settledGeneration(namespace, 'CronJob', 'report'), adopted + 1);
      const target = (await readAppConfig(kubeConfig, namespace, 'report')).status?.targets?.find((t) => t.kind === 'CronJob');
      assert.deepEqual([target?.name, target?.reason, target?.checksum], ['report', 'InSync', expected]);
      assert.deepEqual(await recordOwnersThenDelete(kubeConfig, namespace, 'CronJob', 'cronjob', 'report'), [['batch/v1', 'CronJob', 'report']]);
    });
  });
});

/** A namespaced CRD of this test's own, with a pod template at /spec/template. */
const WIDGET: WorkloadKindSpec = {
  apiVersion: 'kinds.confighash.dev/v1',
  kind: 'Widget',
  plural: 'widgets',
  templatePointer: '/spec/template',
  progress: 'none',
  reportsProgressDeadline: false,
};
const WIDGET_FLAG = ['--workload-kind', 'kinds.confighash.dev/v1/Widget=/spec/template'];
const WIDGET_RBAC = 'confighash-widgets';

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.kinds.confighash.dev' },
  spec: {
    group: 'kinds.confighash.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
  },
};

/** What the README's overlay patch grants: list, watch and patch on the added kind. */
const widgetRbac = controllerRuleManifests(WIDGET_RBAC, { apiGroups: ['kinds.confighash.dev'], resources: ['widgets'], verbs: ['list', 'watch', 'patch'] });

const asList = (...items: object[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

describe('a workload kind given by --workload-kind', () => {
  it('stops the start, naming the flag, when the server does not serve the kind or confighash may not list it', async () => {
    await withControllerScene(
      async ({ startController }) => {
        await assert.rejects(startController(['--workload-kind', 'nope.kinds.confighash.dev/v1/Nope=/spec/template']), (err: Error) => {
          assert.match(err.message, /exited with 2/);
          assert.match(err.message, /--workload-kind "nope\.kinds\.confighash\.dev\/v1\/Nope=\/spec\/template": the server does not serve nope\.kinds\.confighash\.dev\/v1/);
          return true;
        });
        await kubectl(['apply', '-f', '-'], { input: asList(widgetCrd) });
        await kubectl(['wait', '--for=condition=Established', 'crd/widgets.kinds.confighash.dev', '--timeout=30s']);
        await kubectl(['delete', 'clusterrolebinding', WIDGET_RBAC, '--ignore-not-found']);
        await assert.rejects(startController(WIDGET_FLAG), (err: Error) => {
          assert.match(err.message, /exited with 2/);
          assert.match(err.message, /confighash may not list widgets\.kinds\.confighash\.dev; grant its ClusterRole list, watch and patch/);
          return true;
        });
      },
      { deferStart: true, prefix: 'kinds' },
    );
  });

  it('gets the checksum at its pointer once per content edit, and nothing on adoption, metadata edits or restarts', async () => {
    await kubectl(['apply', '-f', '-'], { input: asList(widgetCrd, ...widgetRbac) });
    await kubectl(['wait', '--for=condition=Established', 'crd/widgets.kinds.confighash.dev', '--timeout=30s']);
    await withControllerScene(
      async ({ namespace, apply, kubeConfig, stopController, startController }) => {
        // The RBAC just granted may take a moment to reach the authorizer's cache.
        await waitFor(() => startController(WIDGET_FLAG).then(() => true, () => false), { description: 'the controller to start with the Widget kind', timeoutMs: 30_000, intervalMs: 1000 });
        await apply(
          configMapManifest('widget-config', { COLOR: 'blue' }),
          { apiVersion: WIDGET.apiVersion, kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3, template: { metadata: { labels: { app: 'w' } }, spec: podSpec('widget-config') } } },
          appConfigManifest('w', { configMaps: [{ name: 'widget-config' }] }),
        );
        await waitForAdoption(namespace, WIDGET, 'w');
        const adopted = await settledGeneration(namespace, WIDGET, 'w');
        assert.equal(await templateChecksumOf(namespace, WIDGET, 'w'), undefined, 'adoption writes nothing');

        await kubectl(['-n', namespace, 'patch', 'configmap', 'widget-config', '--type=merge', '-p', JSON.stringify({ data: { COLOR: 'green' } })]);
        const expected = await expectedChecksum({ configMaps: { 'widget-config': { data: { COLOR: 'green' } } } });
        await waitFor(async () => (await templateChecksumOf(namespace, WIDGET, 'w')) === expected, { description: 'the checksum at /spec/template' });
        assert.equal(await settledGeneration(namespace, WIDGET, 'w'), adopted + 1, 'one write for one edit');

        await kubectl(['-n', namespace, 'annotate', 'configmap', 'widget-config', 'note=metadata-only']);
        await stopController();
        await startController(WIDGET_FLAG);
        assert.equal(await settledGeneration(namespace, WIDGET, 'w'), adopted + 1, 'no write for a metadata edit or a restart');

        await kubectl(['-n', namespace, 'patch', 'configmap', 'widget-config', '--type=merge', '-p', JSON.stringify({ data: { COLOR: 'red' } })]);
        const second = await expectedChecksum({ configMaps: { 'widget-config': { data: { COLOR: 'red' } } } });
        await waitFor(async () => (await templateChecksumOf(namespace, WIDGET, 'w')) === second, { description: 'the second checksum' });
        assert.equal(await settledGeneration(namespace, WIDGET, 'w'), adopted + 2);
        assert.deepEqual(await recordOwnersThenDelete(kubeConfig, namespace, WIDGET, 'widgets.kinds.confighash.dev', 'w'), [[WIDGET.apiVersion, 'Widget', 'w']]);
      },
      { deferStart: true, prefix: 'kinds' },
    );
  });
});
