// The real Argo Rollouts controller for one test file: started once against the shared
// test cluster, stopped after the file. Its own --instance-id keeps two files (or a stray
// unlabelled Rollout) from being acted on by each other's controller.
import { AppsV1Api, CustomObjectsApi, type KubeConfig, type V1ReplicaSet } from '@kubernetes/client-node';
import { after, before, type TestContext } from 'node:test';
import {
  ARGO_ROLLOUTS_INSTANCE_ID_LABEL,
  ArgoRolloutsMissingError,
  startArgoRollouts,
  type ArgoRollouts,
} from '../../scripts/lib/control-plane/index.ts';
import { adminKubeConfig, testCluster } from './cluster.ts';
import { uniqueNamespaceName } from './namespace.ts';
import { settle, waitFor } from './wait.ts';
import { PAUSE_IMAGE } from './workloads.ts';

export interface RolloutOptions {
  /** The controller's instance id; the Rollout carries it as ARGO_ROLLOUTS_INSTANCE_ID_LABEL. */
  instanceId: string | undefined;
  replicas?: number;
  templateAnnotations?: Record<string, string>;
  /** Take selector and pod template from this Deployment (`spec.workloadRef`) instead of an inline template. */
  workloadRefDeployment?: string;
}

/** An `argoproj.io/v1alpha1` Rollout of one pause container, canary with no steps, selected by `app: <name>`. */
export function rolloutManifest(name: string, opts: RolloutOptions): object {
  const selector = { app: name };
  const podSource = opts.workloadRefDeployment
    ? { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: opts.workloadRefDeployment } }
    : {
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: selector, ...(opts.templateAnnotations ? { annotations: opts.templateAnnotations } : {}) },
          spec: { containers: [{ name: 'app', image: PAUSE_IMAGE }] },
        },
      };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, labels: opts.instanceId ? { [ARGO_ROLLOUTS_INSTANCE_ID_LABEL]: opts.instanceId } : {} },
    spec: { replicas: opts.replicas ?? 1, strategy: { canary: {} }, ...podSource },
  };
}

/**
 * Registers before/after hooks in the enclosing describe that start the controller (with
 * an instance id of its own) and stop it. The returned function gives each test the
 * controller, or skips the test with how to build it when it is not built.
 */
export function useArgoRollouts(): (t: TestContext) => ArgoRollouts | undefined {
  let controller: ArgoRollouts | undefined;
  let missing = '';
  before(async () => {
    const cluster = testCluster();
    try {
      controller = await startArgoRollouts({
        kubeconfig: cluster.kubeconfig,
        binDir: cluster.binDir,
        instanceId: uniqueNamespaceName('confighash-test'),
      });
    } catch (error) {
      if (!(error instanceof ArgoRolloutsMissingError)) throw error;
      missing = error.message;
    }
  });
  after(() => controller?.stop());
  return (t) => {
    if (!controller) t.skip(missing);
    return controller;
  };
}

export type ReplicaSetOwnerKind = 'Rollout' | 'Deployment';

async function ownerUid(namespace: string, kind: ReplicaSetOwnerKind, name: string, kubeConfig: KubeConfig): Promise<string | undefined> {
  if (kind === 'Deployment') {
    return (await kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace, name })).metadata?.uid;
  }
  const rollout = (await kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'argoproj.io',
    version: 'v1alpha1',
    namespace,
    plural: 'rollouts',
    name,
  })) as { metadata?: { uid?: string } };
  return rollout.metadata?.uid;
}

/** What a test asserts on a ReplicaSet. */
export interface OwnedReplicaSet {
  name: string;
  replicas: number;
  templateAnnotations: Record<string, string>;
}

/** ReplicaSets whose ownerReferences name this Rollout or Deployment (by kind and uid), oldest first. */
export async function replicaSetsOwnedBy(
  namespace: string,
  kind: ReplicaSetOwnerKind,
  name: string,
  kubeConfig: KubeConfig = adminKubeConfig(),
): Promise<OwnedReplicaSet[]> {
  const uid = await ownerUid(namespace, kind, name, kubeConfig);
  const list = await kubeConfig.makeApiClient(AppsV1Api).listNamespacedReplicaSet({ namespace });
  return list.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((ref) => ref.kind === kind && ref.uid === uid))
    .sort((a, b) => (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0))
    .map((rs: V1ReplicaSet) => ({
      name: rs.metadata?.name ?? '',
      replicas: rs.spec?.replicas ?? 0,
      templateAnnotations: rs.spec?.template?.metadata?.annotations ?? {},
    }));
}

/**
 * Waits until the owner has at least `atLeast` ReplicaSets, then returns them once they
 * have not changed (in number, replicas or template annotations) for 3s: a controller
 * that makes one too many fails the test instead of being missed.
 */
export async function settledReplicaSetsOwnedBy(
  namespace: string,
  kind: ReplicaSetOwnerKind,
  name: string,
  atLeast: number,
): Promise<OwnedReplicaSet[]> {
  const description = `the ReplicaSets of ${kind} ${namespace}/${name}`;
  const read = () => replicaSetsOwnedBy(namespace, kind, name);
  await waitFor(async () => (await read()).length >= atLeast, { description: `${description} to number ${atLeast}` });
  return settle(read, { description });
}
