import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeServiceAccountKubeconfig } from '../../scripts/lib/control-plane/index.ts';
import { kubectl, testCluster, type KubectlResult } from './cluster.ts';

/** A person of a shared cluster, acting through a ServiceAccount token made for the test: real authentication, real RBAC. */
export interface TenantUser {
  /** The username the apiserver sees: system:serviceaccount:NS:NAME. */
  readonly username: string;
  readonly kubeconfig: string;
  /** kubectl as this user; never rejects, so a test can read a denial. */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
}

export async function createTenantUser(namespace: string, name: string): Promise<TenantUser> {
  const cluster = testCluster();
  await kubectl(['-n', namespace, 'create', 'serviceaccount', name]);
  const dir = await mkdtemp(join(tmpdir(), `confighash-user-${name}-`));
  const kubeconfig = await writeServiceAccountKubeconfig({
    adminKubeconfig: cluster.kubeconfig,
    namespace,
    serviceAccount: name,
    outFile: join(dir, 'kubeconfig'),
    kubectl: join(cluster.binDir, 'kubectl'),
  });
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    kubeconfig,
    kubectl: (args, input) => kubectl(args, { kubeconfig, allowFailure: true, ...(input !== undefined ? { input } : {}) }),
  };
}

/** A Role in `namespace` with one rule, bound to the user (`kubectl create role` semantics: `resources` as resource.group). */
export async function grant(namespace: string, user: TenantUser, roleName: string, verbs: string[], resources: string[], resourceNames: string[] = []): Promise<void> {
  const serviceAccount = user.username.split(':').slice(2).join(':');
  await kubectl([
    '-n', namespace, 'create', 'role', roleName,
    `--verb=${verbs.join(',')}`,
    ...resources.map((r) => `--resource=${r}`),
    ...resourceNames.map((n) => `--resource-name=${n}`),
  ]);
  await kubectl(['-n', namespace, 'create', 'rolebinding', roleName, `--role=${roleName}`, `--serviceaccount=${serviceAccount}`]);
}

/** Binds a ClusterRole (e.g. the built-in edit or view) to the user in one namespace. */
export async function bindClusterRole(namespace: string, user: TenantUser, clusterRole: string): Promise<void> {
  const serviceAccount = user.username.split(':').slice(2).join(':');
  await kubectl(['-n', namespace, 'create', 'rolebinding', `${clusterRole}-${serviceAccount.replace(':', '-')}`, `--clusterrole=${clusterRole}`, `--serviceaccount=${serviceAccount}`]);
}
