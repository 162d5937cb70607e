import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubeConfigSource, SERVICE_ACCOUNT_TOKEN } from '../../../src/k8s/kube-config-source.ts';
import { CannotStartError } from '../../../src/k8s/start-up-errors.ts';

const files = (...present: string[]) => (path: string) => present.includes(path);

function refuses(env: NodeJS.ProcessEnv, exists: (path: string) => boolean, message: RegExp): void {
  assert.throws(() => kubeConfigSource({ env, exists }), (error: unknown) => error instanceof CannotStartError && message.test(error.message));
}

describe('kubeConfigSource', () => {
  it('takes the files KUBECONFIG names, in order', () => {
    assert.deepEqual(kubeConfigSource({ env: { KUBECONFIG: '/a:/b', HOME: '/home/u' }, exists: files('/a', '/b') }), { kind: 'files', paths: ['/a', '/b'] });
  });

  it('refuses a KUBECONFIG file that does not exist, naming it', () => {
    refuses({ KUBECONFIG: '/a:/missing' }, files('/a'), /^KUBECONFIG names \/missing, which does not exist: point KUBECONFIG at a kubeconfig file/);
  });

  it('takes ~/.kube/config next, then the in-cluster ServiceAccount', () => {
    assert.deepEqual(kubeConfigSource({ env: { HOME: '/home/u' }, exists: files('/home/u/.kube/config', SERVICE_ACCOUNT_TOKEN) }), { kind: 'files', paths: ['/home/u/.kube/config'] });
    const inPod = { HOME: '/home/u', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    assert.deepEqual(kubeConfigSource({ env: inPod, exists: files(SERVICE_ACCOUNT_TOKEN) }), { kind: 'in-cluster' });
  });

  it('takes an empty KUBECONFIG as unset, as client-node does', () => {
    assert.deepEqual(kubeConfigSource({ env: { KUBECONFIG: '', HOME: '/h' }, exists: files('/h/.kube/config') }), { kind: 'files', paths: ['/h/.kube/config'] });
  });

  it('refuses a token without the in-cluster service variables', () => {
    refuses({ HOME: '/h' }, files(SERVICE_ACCOUNT_TOKEN), /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set/);
  });

  it('refuses no configuration at all, naming both fixes, instead of http://localhost:8080', () => {
    refuses(
      { HOME: '/h' },
      files(),
      /^no Kubernetes configuration: KUBECONFIG is not set, \/h\/\.kube\/config does not exist, and there is no in-cluster ServiceAccount token at \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token; set KUBECONFIG to a kubeconfig file \(out of cluster\), or run confighash in a pod with its ServiceAccount token mounted/,
    );
  });
});
