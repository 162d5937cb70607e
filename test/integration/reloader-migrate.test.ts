// Issue 21, part 2: `confighash migrate` on a directory of Reloader-annotated manifests. The
// AppConfigs it prints apply, and the controller running on them (without
// --reloader-annotations) rolls exactly what compatibility mode rolls on the same objects
// and the same edits, counted in ReplicaSets and ControllerRevisions.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { kubectl, testCluster } from '../support/cluster.ts';
import { waitForAdoption, withControllerScene, type ControllerScene } from '../support/controller-harness.ts';
import { annotatedWorkloadManifest, oneWorkloadPerAnnotation, reloaderSources, RolloutLedger, type AnnotatedWorkload } from '../support/reloader-scene.ts';
import { editConfigMap, editSecret } from '../support/rollout-steps.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli/confighash.ts');

async function migrate(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string; documents: Record<string, unknown>[] }> {
  const { stdout, stderr } = await run(process.execPath, [CLI, 'migrate', ...args], { env });
  const documents = parseAllDocuments(stdout).map((doc) => doc.toJS() as Record<string, unknown>);
  return { stdout, stderr, documents };
}

/** Each step edits both namespaces the same way; `rolled` are the workload suffixes expected to roll once more. */
interface Step {
  name: string;
  edit: (namespace: string) => Promise<void>;
  rolled: string[];
}

const STEPS: Step[] = [
  { name: 'content edit of cm-a', edit: (ns) => editConfigMap(ns, 'cm-a', { v: '2' }), rolled: ['auto', 'cmauto'] },
  { name: 'content edit of sec-s', edit: (ns) => editSecret(ns, 'sec-s', { v: '2' }), rolled: ['auto', 'secauto'] },
  { name: 'edit of ignored cm-ign, then of matched cm-match', edit: async (ns) => (await editConfigMap(ns, 'cm-ign', { v: '2' }), editConfigMap(ns, 'cm-match', { v: '2' })), rolled: ['auto', 'search'] },
  { name: 'edit of cm-named', edit: (ns) => editConfigMap(ns, 'cm-named', { v: '2' }), rolled: ['reload'] },
  { name: 'edit of cm-b', edit: (ns) => editConfigMap(ns, 'cm-b', { v: '2' }), rolled: ['exclude'] },
];

describe('confighash migrate', () => {
  it('prints AppConfigs for a directory of annotated manifests that roll exactly what compatibility mode rolls, on the same edits', async () => {
    const workloads = oneWorkloadPerAnnotation('Deployment').concat(oneWorkloadPerAnnotation('StatefulSet').filter((w) => /-(auto|reload)$/.test(w.name)));
    const dir = await mkdtemp(join(tmpdir(), 'confighash-migrate-'));
    try {
      await writeFile(join(dir, 'sources.yaml'), reloaderSources().map((m) => stringify(m)).join('---\n'));
      await writeFile(join(dir, 'workloads.yaml'), workloads.map((w) => stringify(annotatedWorkloadManifest(w))).join('---\n'));
      const migrated = await migrate(['--strip', dir]);
      const appConfigs = migrated.documents.filter((d) => d.kind === 'AppConfig');
      const stripped = migrated.documents.filter((d) => d.kind !== 'AppConfig');
      assert.equal(stripped.length, 6 + workloads.length, 'every input object comes back with --strip');
      assert.doesNotMatch(stringify(stripped), /reloader\.stakater\.com/, 'no Reloader annotation is left in the stripped manifests');
      assert.ok(appConfigs.length >= 5, `one AppConfig per set of sources (got ${appConfigs.length}):\n${migrated.stdout}`);

      await withControllerScene(
        async (compat) => {
          await withControllerScene(
            async (plain) => {
              await compat.apply(...reloaderSources(), ...workloads.map(annotatedWorkloadManifest));
              const applied = await kubectl(['apply', '-n', plain.namespace, '-f', '-'], { input: migrated.stdout });
              assert.match(applied.stdout, /appconfig\.confighash\.dev\/reloader-d-auto created/);
              await adopted(compat, workloads);
              await adopted(plain, workloads);
              const ledgers = [new RolloutLedger(compat.namespace, workloads), new RolloutLedger(plain.namespace, workloads)] as const;
              const counts = async (step: string, rolled: string[]): Promise<void> => {
                const ids = workloads.filter((w) => rolled.some((suffix) => w.name.endsWith(`-${suffix}`))).map((w) => `${w.kind}/${w.name}`);
                const [inCompat, inPlain] = [await ledgers[0].expect(compat.controller(), step, ...ids), await ledgers[1].expect(plain.controller(), step, ...ids)];
                assert.deepEqual(inPlain, inCompat, `after "${step}", the migrated AppConfigs rolled what compatibility mode rolled`);
              };
              await counts('adoption', []);
              for (const step of STEPS) {
                await step.edit(compat.namespace);
                await step.edit(plain.namespace);
                await counts(step.name, step.rolled);
              }

              // The live objects of the compatibility namespace migrate to the same AppConfigs as the files.
              const live = await migrate(['--from-cluster', '-n', compat.namespace], { ...process.env, KUBECONFIG: testCluster().kubeconfig });
              const specs = (docs: Record<string, unknown>[]): string[] => docs.filter((d) => d.kind === 'AppConfig').map((d) => JSON.stringify([(d.metadata as { name: string }).name, d.spec]));
              assert.deepEqual(specs(live.documents), specs(appConfigs));
            },
            { args: ['--debounce', '0'], prefix: 'mig' },
          );
        },
        { args: ['--debounce', '0', '--reloader-annotations'], prefix: 'mig' },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function adopted(scene: ControllerScene, workloads: readonly AnnotatedWorkload[]): Promise<void> {
  for (const w of workloads) if (!w.name.endsWith('-off')) await waitForAdoption(scene.namespace, w.kind, w.name);
}
