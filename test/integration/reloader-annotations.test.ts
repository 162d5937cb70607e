// Issue 21, part 1: with --reloader-annotations, Stakater Reloader's annotations work as
// they are, with no AppConfig, through the ordinary decision table: 0 rollouts on adoption,
// 1 per content edit of a matching source, 0 for an ignored or excluded source, 0 for a
// metadata edit, 0 on restart. Rollouts are the ReplicaSets and ControllerRevisions the
// real workload controllers made.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectl } from '../support/cluster.ts';
import { appConfigManifest, configMapManifest, waitForAdoption, withControllerScene } from '../support/controller-harness.ts';
import { annotatedWorkloadManifest, oneWorkloadPerAnnotation, reloaderSources, RolloutLedger, type AnnotatedWorkload } from '../support/reloader-scene.ts';
import { workloadRecord } from '../support/records.ts';
import { editConfigMap, editSecret } from '../support/rollout-steps.ts';
import { waitFor } from '../support/wait.ts';

const ARGS = ['--debounce', '0', '--reloader-annotations'];

describe('Reloader annotations with --reloader-annotations and no AppConfig', () => {
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet'] as const) {
    it(`${kind}: 0 on adoption, 1 per edit of a matching source, 0 for ignored, excluded or metadata edits, 0 on restart`, async () => {
      await withControllerScene(
        async (scene) => {
          const { namespace } = scene;
          const workloads = oneWorkloadPerAnnotation(kind);
          const id = (suffix: string): string => `${kind}/${workloads.find((w) => w.name.endsWith(`-${suffix}`))?.name}`;
          await scene.apply(...reloaderSources(), ...workloads.map(annotatedWorkloadManifest));
          for (const w of workloads) if (!w.name.endsWith('-off')) await waitForAdoption(namespace, kind, w.name);
          const ledger = new RolloutLedger(namespace, workloads);
          await ledger.expect(scene.controller(), 'adoption');

          await kubectl(['-n', namespace, 'label', 'configmap', 'cm-a', 'touched=yes']);
          await kubectl(['-n', namespace, 'annotate', 'configmap', 'cm-a', 'note=metadata-only']);
          await editConfigMap(namespace, 'cm-a', { v: '2' });
          await ledger.expect(scene.controller(), 'metadata edits of cm-a, then a content edit', id('auto'), id('cmauto'));

          await editSecret(namespace, 'sec-s', { v: '2' });
          await ledger.expect(scene.controller(), 'content edit of sec-s', id('auto'), id('secauto'));

          await editConfigMap(namespace, 'cm-ign', { v: '2' });
          await editConfigMap(namespace, 'cm-match', { v: '2' });
          await ledger.expect(scene.controller(), 'edit of ignored cm-ign, then of matched cm-match', id('auto'), id('search'));

          await editConfigMap(namespace, 'cm-named', { v: '2' });
          await ledger.expect(scene.controller(), 'edit of cm-named, which only the reload expression names', id('reload'));

          await editConfigMap(namespace, 'cm-b', { v: '2' });
          await ledger.expect(scene.controller(), 'edit of cm-b, the source the exclude list leaves', id('exclude'));

          // search without match rolled nothing above; marking cm-a match=true is a metadata edit (0), the next edit rolls search too.
          await kubectl(['-n', namespace, 'annotate', 'configmap', 'cm-a', 'reloader.stakater.com/match=true']);
          await waitFor(async () => (await workloadRecord(namespace, kind, `${id('search').split('/')[1]}`))?.sources.some((s) => s.name === 'cm-a'), {
            description: 'the search workload to count cm-a once it is marked',
          });
          await editConfigMap(namespace, 'cm-a', { v: '3' });
          await ledger.expect(scene.controller(), 'cm-a marked match=true, then edited', id('auto'), id('cmauto'), id('search'));

          await scene.stopController();
          await scene.startController();
          ledger.restarted();
          await ledger.expect(scene.controller(), 'a restart');

          if (kind === 'Deployment') {
            const warning = await waitFor(
              async () => {
                const events = JSON.parse((await kubectl(['-n', namespace, 'get', 'events.events.k8s.io', '-o', 'json'])).stdout) as {
                  items: { reason?: string; type?: string; regarding?: { name?: string }; note?: string }[];
                };
                return events.items.find((e) => e.reason === 'InvalidReloaderAnnotation' && e.regarding?.name === 'd-reload');
              },
              { description: 'a Warning Event on d-reload for its bad expression' },
            );
            assert.equal(warning.type, 'Warning');
            assert.match(warning.note ?? '', /"\(bad" is not a regular expression/);
          }
        },
        { args: ARGS, prefix: 'rl' },
      );
    });
  }

  it('one workload covered by an annotation and an AppConfig rolls once per edit, and the AppConfig decides what counts', async () => {
    await withControllerScene(
      async (scene) => {
        const { namespace } = scene;
        const web: AnnotatedWorkload = { kind: 'Deployment', name: 'web', annotations: { 'reloader.stakater.com/auto': 'true' }, consumption: { configMapEnvFrom: ['cm-a', 'cm-b'] } };
        await scene.apply(configMapManifest('cm-a', { v: '1' }), configMapManifest('cm-b', { v: '1' }), annotatedWorkloadManifest(web), appConfigManifest('web', { configMaps: [{ name: 'cm-a' }] }));
        await waitForAdoption(namespace, 'Deployment', 'web');
        const ledger = new RolloutLedger(namespace, [web]);
        await ledger.expect(scene.controller(), 'adoption');

        await editConfigMap(namespace, 'cm-a', { v: '2' });
        await ledger.expect(scene.controller(), 'edit of cm-a, which both count', 'Deployment/web');

        await editConfigMap(namespace, 'cm-b', { v: '2' });
        await editConfigMap(namespace, 'cm-a', { v: '3' });
        await ledger.expect(scene.controller(), 'edit of cm-b, which only the annotation counts (the AppConfig wins), then of cm-a', 'Deployment/web');

        await kubectl(['-n', namespace, 'delete', 'appconfig', 'web']);
        await waitFor(
          async () => {
            const record = JSON.parse((await kubectl(['-n', namespace, 'get', 'workloadrecords', '-o', 'json'])).stdout) as { items: { spec: { sources: { name: string }[] } }[] };
            return record.items[0]?.spec.sources.length === 2;
          },
          { description: 'the annotations to count cm-b once the AppConfig is gone' },
        );
        await ledger.expect(scene.controller(), 'the AppConfig deleted: a scope change');
        await editConfigMap(namespace, 'cm-b', { v: '3' });
        await ledger.expect(scene.controller(), 'edit of cm-b, counted by the annotations alone now', 'Deployment/web');
      },
      { args: ARGS, prefix: 'rl' },
    );
  });
});
