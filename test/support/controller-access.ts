import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeServiceAccountKubeconfig } from '../../scripts/lib/control-plane/index.ts';
import {
  KUSTOMIZE_DIR,
  kustomizeBuild,
  parseManifests,
  toYaml,
  withoutControllerWorkload,
  type Manifest,
} from '../../scripts/lib/kustomize.ts';
import { kubectl, testCluster, type TestCluster } from './cluster.ts';
import { waitFor } from './wait.ts';

/** Where the kustomize base puts the controller and its ServiceAccount. */
export const CONTROLLER_NAMESPACE = 'confighash-system';
export const CONTROLLER_SERVICE_ACCOUNT = 'confighash';

/**
 * Applies YAML, retrying a few times: test files run in parallel and may apply the
 * same shared objects (CRD, ClusterRole) at the same moment, and one create then loses
 * with AlreadyExists although the result is what both wanted.
 */
export async function applyManifests(yaml: string, extraArgs: string[] = [], cluster: TestCluster = testCluster()): Promise<string> {
  let attempts = 0;
  return waitFor(
    async () => {
      attempts += 1;
      const result = await kubectl(['apply', ...extraArgs, '-f', '-'], { input: yaml, allowFailure: attempts >= 5, cluster });
      if (result.code !== 0) throw new Error(result.stderr);
      return result.stdout;
    },
    { description: 'kubectl apply to succeed', timeoutMs: 60_000, intervalMs: 500 },
  );
}

/** The base's CRD, namespace, ServiceAccount and RBAC, exactly as kustomize renders them. */
export async function controllerAccessManifests(cluster: TestCluster = testCluster()): Promise<Manifest[]> {
  const { binDir } = cluster;
  return withoutControllerWorkload(parseManifests(await kustomizeBuild(binDir, join(KUSTOMIZE_DIR, 'base'))));
}

/**
 * Installs the kustomize base's CRD and RBAC on the test cluster (idempotent) and
 * returns a kubeconfig that acts as the controller's ServiceAccount and nothing more.
 */
export async function installControllerAccess(cluster: TestCluster = testCluster()): Promise<string> {
  const { kubeconfig, binDir } = cluster;
  await applyManifests(toYaml(await controllerAccessManifests(cluster)), [], cluster);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/appconfigs.confighash.dev'], { cluster });
  const dir = await mkdtemp(join(tmpdir(), 'confighash-sa-'));
  return writeServiceAccountKubeconfig({
    adminKubeconfig: kubeconfig,
    namespace: CONTROLLER_NAMESPACE,
    serviceAccount: CONTROLLER_SERVICE_ACCOUNT,
    outFile: join(dir, 'confighash.kubeconfig'),
    kubectl: join(binDir, 'kubectl'),
  });
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * A ClusterRole holding `rule` and its binding to the controller's ServiceAccount: what the
 * README's overlay patch grants for a kind added by --workload-kind.
 */
export function controllerRuleManifests(name: string, rule: PolicyRule): object[] {
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [rule] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: CONTROLLER_SERVICE_ACCOUNT, namespace: CONTROLLER_NAMESPACE }],
    },
  ];
}
