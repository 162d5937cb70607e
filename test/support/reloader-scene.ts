// Workloads annotated for Stakater Reloader, and how many times each one rolled: the
// ReplicaSets of a Deployment, the ControllerRevisions of a StatefulSet or DaemonSet.
import assert from 'node:assert/strict';
import { workloadConsuming, type Consumption } from './consumers.ts';
import { configMapManifest, secretManifest } from './controller-harness.ts';
import type { ControllerProcess } from './controller-process.ts';
import { countControllerRevisions, countReplicaSets } from './rollouts.ts';
import { settle, waitFor } from './wait.ts';

export type RolloutKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export interface AnnotatedWorkload {
  kind: RolloutKind;
  name: string;
  annotations: Record<string, string>;
  consumption: Consumption;
  /** Annotations on the pod template instead. */
  templateAnnotations?: Record<string, string>;
}

export function annotatedWorkloadManifest(w: AnnotatedWorkload): object {
  const manifest = workloadConsuming(w.kind, w.name, w.consumption) as {
    metadata: Record<string, unknown>;
    spec: { template: { metadata: Record<string, unknown> } };
  };
  manifest.metadata.annotations = w.annotations;
  if (w.templateAnnotations) manifest.spec.template.metadata.annotations = w.templateAnnotations;
  return manifest;
}

/** "Deployment/web" → rollouts so far (1 = only the first template). */
export type RolloutCounts = Record<string, number>;

async function rolloutsOf(namespace: string, kind: RolloutKind, name: string): Promise<number> {
  return kind === 'Deployment' ? countReplicaSets(namespace, name) : countControllerRevisions(namespace, kind, name);
}

/** Every workload's rollout count, once none of them has changed for 3 s. */
export function settledRollouts(namespace: string, workloads: readonly Pick<AnnotatedWorkload, 'kind' | 'name'>[]): Promise<RolloutCounts> {
  return settle(
    async () => {
      const counts: RolloutCounts = {};
      for (const w of workloads) counts[`${w.kind}/${w.name}`] = await rolloutsOf(namespace, w.kind, w.name);
      return counts;
    },
    { description: `the rollouts of ${workloads.length} workloads in ${namespace}` },
  );
}

/** Pod-template writes by this controller process, over every kind. */
export function templateWritesOf(controller: ControllerProcess): Promise<number> {
  return controller.metricValue('confighash_patches_total', { type: 'template' });
}

/**
 * Tracks what each workload should have rolled so far. `expect(step, ...names)` adds one
 * rollout to each named workload, waits until the controller made that many template
 * writes in all, and compares every workload's settled count with the expectation.
 */
export class RolloutLedger {
  readonly #expected: RolloutCounts = {};
  readonly #namespace: string;
  readonly #workloads: readonly Pick<AnnotatedWorkload, 'kind' | 'name'>[];
  #writes = 0;

  constructor(namespace: string, workloads: readonly Pick<AnnotatedWorkload, 'kind' | 'name'>[]) {
    this.#namespace = namespace;
    this.#workloads = workloads;
    for (const w of workloads) this.#expected[`${w.kind}/${w.name}`] = 1;
  }

  /** The controller restarted: its write counter starts at 0 again. */
  restarted(): void {
    this.#writes = 0;
  }

  async expect(controller: ControllerProcess, step: string, ...rolled: string[]): Promise<RolloutCounts> {
    for (const id of rolled) {
      assert.ok(id in this.#expected, `unknown workload ${id}`);
      this.#expected[id] = (this.#expected[id] ?? 0) + 1;
    }
    this.#writes += rolled.length;
    await waitFor(async () => (await templateWritesOf(controller)) >= this.#writes, {
      description: `${this.#writes} pod-template writes after "${step}"`,
      timeoutMs: 30_000,
    });
    const counts = await settledRollouts(this.#namespace, this.#workloads);
    assert.deepEqual(counts, this.#expected, `rollouts after "${step}"`);
    assert.equal(await templateWritesOf(controller), this.#writes, `pod-template writes after "${step}"`);
    return counts;
  }
}

/** The sources the workloads of oneWorkloadPerAnnotation read: cm-ign is marked ignore, cm-match match; cm-named is read by none. */
export function reloaderSources(): object[] {
  const ignored = configMapManifest('cm-ign', { v: '1' }) as { metadata: Record<string, unknown> };
  ignored.metadata.annotations = { 'reloader.stakater.com/ignore': 'true' };
  const matched = configMapManifest('cm-match', { v: '1' }) as { metadata: Record<string, unknown> };
  matched.metadata.annotations = { 'reloader.stakater.com/match': 'true' };
  return [configMapManifest('cm-a', { v: '1' }), configMapManifest('cm-b', { v: '1' }), configMapManifest('cm-named', { v: '1' }), ignored, matched, secretManifest('sec-s', { v: '1' })];
}

/** One workload per Reloader annotation, all of one kind, named <d|s|ds>-<annotation>. */
export function oneWorkloadPerAnnotation(kind: RolloutKind): AnnotatedWorkload[] {
  const p = { Deployment: 'd', StatefulSet: 's', DaemonSet: 'ds' }[kind];
  return [
    { kind, name: `${p}-auto`, annotations: { 'reloader.stakater.com/auto': 'true' }, consumption: { configMapEnvFrom: ['cm-a', 'cm-ign', 'cm-match'], secretEnvFrom: ['sec-s'] } },
    { kind, name: `${p}-cmauto`, annotations: { 'configmap.reloader.stakater.com/auto': 'true' }, consumption: { configMapEnvFrom: ['cm-a'], secretEnvFrom: ['sec-s'] } },
    { kind, name: `${p}-secauto`, annotations: {}, templateAnnotations: { 'secret.reloader.stakater.com/auto': 'true' }, consumption: { configMapEnvFrom: ['cm-a'], secretEnvFrom: ['sec-s'] } },
    { kind, name: `${p}-reload`, annotations: { 'configmap.reloader.stakater.com/reload': 'cm-nam.*, (bad' }, consumption: { configMapEnvFrom: ['cm-a'] } },
    { kind, name: `${p}-search`, annotations: { 'reloader.stakater.com/search': 'true' }, consumption: { configMapEnvFrom: ['cm-a', 'cm-match'] } },
    {
      kind,
      name: `${p}-exclude`,
      annotations: { 'reloader.stakater.com/auto': 'true', 'configmaps.exclude.reloader.stakater.com/reload': 'cm-a' },
      consumption: { configMapEnvFrom: ['cm-a', 'cm-b'] },
    },
    { kind, name: `${p}-off`, annotations: { 'reloader.stakater.com/auto': 'false' }, consumption: { configMapEnvFrom: ['cm-a'] } },
  ];
}

