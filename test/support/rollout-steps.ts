// Steps the exactly-once tests repeat: apply and adopt, edit a source, wait for what the
// controller decided, and count the ReplicaSets the real deployment controller made.
import assert from 'node:assert/strict';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import type { WorkloadRecordSpec } from '../../src/api/workload-record.ts';
import { adminKubeConfig } from './cluster.ts';
import type { ControllerProcess } from './controller-process.ts';
import type { ControllerScene } from './controller-harness.ts';
import { workloadRecord } from './records.ts';
import { countReplicaSets, settledReplicaSetCount } from './rollouts.ts';
import { settle, waitFor } from './wait.ts';

/** Settles the ReplicaSet count of a Deployment and asserts it, naming the expected total. */
export async function assertReplicaSets(namespace: string, deployment: string, expected: number, why: string): Promise<number> {
  const count = await settledReplicaSetCount(namespace, deployment);
  assert.equal(count, expected, `${why}: expected ${expected} ReplicaSet(s) in total, found ${count}`);
  return count;
}

/**
 * Applies the manifests, waits until confighash recorded the Deployment, and checks that
 * adoption rolled nothing (one ReplicaSet) and left the pod template without a checksum.
 */
export async function applyAndAdopt(scene: ControllerScene, deployment: string, ...manifests: object[]): Promise<WorkloadRecordSpec> {
  await scene.apply(...manifests);
  const record = await waitForRecord(scene.namespace, deployment, () => true, 'adoption');
  await assertReplicaSets(scene.namespace, deployment, 1, `Deployment ${deployment} after create and adoption`);
  assert.equal(record.placement, 'Baseline', 'adoption records the checksum outside the workload');
  assert.equal(await templateChecksum(scene.namespace, deployment), undefined, 'adoption leaves the pod template alone');
  return record;
}

/** Waits until the Deployment's WorkloadRecord satisfies `accept`, and returns it. */
export function waitForRecord(
  namespace: string,
  deployment: string,
  accept: (record: WorkloadRecordSpec) => boolean,
  description: string,
): Promise<WorkloadRecordSpec> {
  return waitFor(
    async () => {
      const record = await workloadRecord(namespace, 'Deployment', deployment);
      return record !== undefined && accept(record) ? record : false;
    },
    { description: `the WorkloadRecord of Deployment ${namespace}/${deployment}: ${description}`, timeoutMs: 30_000 },
  );
}

/** "ConfigMap/app-cm:a,b ConfigMap/other-cm:*": the sources and keys a record counts. */
export function recordedScope(record: WorkloadRecordSpec): string {
  return record.sources.map((source) => `${source.kind}/${source.name}:${source.keys?.join(',') ?? '*'}`).join(' ');
}

/** The pod-template checksum annotation of the Deployment as stored now. */
export async function templateChecksum(namespace: string, deployment: string): Promise<string | undefined> {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  const d = await apps.readNamespacedDeployment({ namespace, name: deployment });
  return d.spec?.template.metadata?.annotations?.[CHECKSUM_ANNOTATION];
}

/** Pod-template writes by this controller process: each one is a rollout. */
export function templateWrites(controller: ControllerProcess): Promise<number> {
  return controller.metricValue('confighash_patches_total', { kind: 'Deployment', type: 'template' });
}

/**
 * Waits until confighash rolled the Deployment to `checksum`: the pod template carries it and
 * the WorkloadRecord agrees (placement Template).
 */
export function waitForRolledTo(namespace: string, deployment: string, checksum: string): Promise<WorkloadRecordSpec> {
  return waitFor(
    async () => {
      if ((await templateChecksum(namespace, deployment)) !== checksum) return false;
      const record = await workloadRecord(namespace, 'Deployment', deployment);
      return record?.checksum === checksum && record.placement === 'Template' && record;
    },
    { description: `Deployment ${namespace}/${deployment} to carry checksum ${checksum} in its template and its record`, timeoutMs: 30_000 },
  );
}

/** What the template and the record say once neither has changed for `stableForMs`. */
export async function settledCheckpoint(
  namespace: string,
  deployment: string,
  stableForMs = 3000,
): Promise<{ template: string | undefined; record: string | undefined; placement: string | undefined; replicaSets: number }> {
  return settle(
    async () => {
      const record = await workloadRecord(namespace, 'Deployment', deployment);
      return {
        template: await templateChecksum(namespace, deployment),
        record: record?.checksum,
        placement: record?.placement,
        replicaSets: await countReplicaSets(namespace, deployment),
      };
    },
    { description: `the checksums and ReplicaSets of Deployment ${namespace}/${deployment}`, stableForMs },
  );
}

export async function editConfigMap(namespace: string, name: string, data: Record<string, string>): Promise<void> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.patchNamespacedConfigMap({ namespace, name, body: { data } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

export async function editSecret(namespace: string, name: string, stringData: Record<string, string>): Promise<void> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.patchNamespacedSecret({ namespace, name, body: { stringData } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

/** A decision the controller logged for one workload (pino JSON: reason, decision kind, message). */
export interface LoggedDecision {
  reason: string;
  decision?: string;
  checksum?: string;
  msg?: string;
}

/** The decisions the controller logged for the Deployment, oldest first; `from` skips earlier log lines. */
export function decisionsOf(controller: ControllerProcess, namespace: string, deployment: string, from = 0): LoggedDecision[] {
  const workload = `Deployment/${namespace}/${deployment}`;
  return controller
    .logLines()
    .slice(from)
    .filter((line) => line.workload === workload && typeof line.reason === 'string')
    .map((line) => line as unknown as LoggedDecision);
}

/** Waits for the first decision about the Deployment logged after log line `from`. */
export function waitForDecision(controller: ControllerProcess, namespace: string, deployment: string, from: number): Promise<LoggedDecision> {
  return waitFor(() => decisionsOf(controller, namespace, deployment, from)[0], {
    description: `a decision about Deployment ${namespace}/${deployment} in the controller log`,
    timeoutMs: 30_000,
  });
}
