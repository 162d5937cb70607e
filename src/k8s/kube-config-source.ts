import { delimiter, join } from 'node:path';
import { CannotStartError } from './start-up-errors.ts';

/** Where client-node's KubeConfig.loadFromDefault() would take its configuration from. */
export type KubeConfigSource = { kind: 'files'; paths: string[] } | { kind: 'in-cluster' };

export interface KubeConfigEnvironment {
  env: NodeJS.ProcessEnv;
  exists(path: string): boolean;
}

export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const BOTH_FIXES =
  'set KUBECONFIG to a kubeconfig file (out of cluster), or run confighash in a pod ' +
  'with its ServiceAccount token mounted (automountServiceAccountToken not false)';

/**
 * Decides, in client-node's order ($KUBECONFIG, ~/.kube/config, the in-cluster ServiceAccount),
 * where the configuration comes from, and refuses what client-node would answer with a
 * fallback to http://localhost:8080 or a stack trace: no configuration at all, a KUBECONFIG
 * file that does not exist, a token without the in-cluster service variables.
 */
export function kubeConfigSource({ env, exists }: KubeConfigEnvironment): KubeConfigSource {
  const kubeconfig = env.KUBECONFIG ?? '';
  if (kubeconfig !== '') {
    const paths = kubeconfig.split(delimiter).filter((path) => path !== '');
    const missing = paths.find((path) => !exists(path));
    if (missing !== undefined) {
      throw new CannotStartError(`KUBECONFIG names ${missing}, which does not exist: point KUBECONFIG at a kubeconfig file, or unset it to use ~/.kube/config or the in-cluster ServiceAccount`);
    }
    return { kind: 'files', paths };
  }
  const home = env.HOME ?? '';
  const homeConfig = home === '' ? undefined : join(home, '.kube', 'config');
  if (homeConfig !== undefined && exists(homeConfig)) return { kind: 'files', paths: [homeConfig] };
  if (exists(SERVICE_ACCOUNT_TOKEN)) {
    if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
      throw new CannotStartError(
        `found the ServiceAccount token ${SERVICE_ACCOUNT_TOKEN}, but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set ` +
          '(the kubelet sets them in every pod): outside a pod, set KUBECONFIG to a kubeconfig file instead',
      );
    }
    return { kind: 'in-cluster' };
  }
  throw new CannotStartError(
    `no Kubernetes configuration: KUBECONFIG is not set, ${homeConfig ?? '~/.kube/config'} does not exist, ` +
      `and there is no in-cluster ServiceAccount token at ${SERVICE_ACCOUNT_TOKEN}; ${BOTH_FIXES}`,
  );
}
