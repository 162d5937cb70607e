import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { startUpProblem, type StartUpCall } from '../../../src/k8s/start-up-problem.ts';

const SERVER = 'https://10.0.0.1:6443';
const listConfigMaps: StartUpCall = { verb: 'list', resource: 'configmaps', group: '', version: 'v1', namespace: 'shop', grantedBy: 'the ClusterRole confighash (kustomize/base)' };
const watchAppConfigs: StartUpCall = { verb: 'watch', resource: 'appconfigs', group: 'confighash.dev', version: 'v1', grantedBy: 'the ClusterRole confighash (kustomize/base)', crdKind: 'AppConfig' };
const createSecret: StartUpCall = {
  verb: 'create', resource: 'secrets', group: '', version: 'v1', namespace: 'confighash-system', grantedBy: 'the Role confighash (kustomize/base)',
  ownNamespace: { holds: 'the HMAC key Secret', flag: '--hmac-secret-namespace' },
};

function status(code: number, details: Record<string, unknown> = {}): ApiException<unknown> {
  return new ApiException(code, `answered ${code}`, { kind: 'Status', code, reason: 'NotFound', details, message: 'secret text that must not be echoed' }, {});
}

/** What undici's fetch throws when the socket fails: a TypeError whose cause carries the code. */
function socketFailure(code: string, message: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
}

describe('startUpProblem', () => {
  it('waits, naming the URL and the socket error, when the apiserver cannot be reached', () => {
    assert.deepEqual(startUpProblem(listConfigMaps, socketFailure('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:6443'), SERVER), {
      action: 'wait',
      message: 'cannot reach the apiserver at https://10.0.0.1:6443 (ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:6443); retrying until it answers',
    });
  });

  it('waits, naming the TLS error and the CA fix, when the certificate is not trusted', () => {
    const problem = startUpProblem(listConfigMaps, socketFailure('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), SERVER);
    assert.equal(problem.action, 'wait');
    assert.equal(
      problem.message,
      "the apiserver at https://10.0.0.1:6443 presented a certificate that is not trusted (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain): put the cluster's CA in the kubeconfig (certificate-authority-data); retrying",
    );
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
      assert.match(startUpProblem(listConfigMaps, socketFailure(code, 'x'), SERVER).message, /not trusted/, code);
    }
  });

  it('waits, naming verb, resource, namespace and the role to grant it, on a 403', () => {
    assert.deepEqual(startUpProblem(listConfigMaps, status(403), SERVER), {
      action: 'wait',
      message: "confighash may not list configmaps in namespace \"shop\" (HTTP 403): grant it in the ClusterRole confighash (kustomize/base), bound to confighash's ServiceAccount; retrying until it is granted",
    });
    assert.match(startUpProblem(watchAppConfigs, status(403), SERVER).message, /^confighash may not watch appconfigs\.confighash\.dev cluster-wide \(HTTP 403\)/);
  });

  it('a 403 from a Watch (a plain Error with statusCode) counts like one from a request', () => {
    const watchError = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    assert.match(startUpProblem(listConfigMaps, watchError, SERVER).message, /may not list configmaps/);
  });

  it("on a 403 in the controller's own namespace, says that the namespace may be missing", () => {
    assert.match(startUpProblem(createSecret, status(403), SERVER).message, /\(if namespace "confighash-system" does not exist, create it or set --hmac-secret-namespace\)/);
  });

  it("exits, naming the namespace, what it holds and the flag, when the controller's namespace does not exist", () => {
    assert.deepEqual(startUpProblem(createSecret, status(404, { name: 'confighash-system', kind: 'namespaces' }), SERVER), {
      action: 'exit',
      message:
        'namespace "confighash-system" does not exist; it holds the HMAC key Secret: create it (kubectl create namespace confighash-system, ' +
        'or apply kustomize/base), or set --hmac-secret-namespace to a namespace that exists',
    });
  });

  it('does not take a 404 about the object itself for a missing namespace', () => {
    assert.equal(startUpProblem(createSecret, status(404, { name: 'confighash-hmac-key', kind: 'secrets' }), SERVER).action, 'wait');
  });

  it('waits, naming the CRD and how to install it, when a collection of a confighash CRD is not served', () => {
    assert.deepEqual(startUpProblem(watchAppConfigs, Object.assign(new Error('Not Found'), { statusCode: 404 }), SERVER), {
      action: 'wait',
      message: 'AppConfig CRD confighash.dev/v1 is not installed: apply kustomize/base (or the Helm chart)',
    });
  });

  it('waits on a 401, naming the credentials', () => {
    assert.match(startUpProblem(listConfigMaps, status(401), SERVER).message, /does not accept confighash's credentials \(HTTP 401\)/);
  });

  it('never echoes the response body', () => {
    for (const code of [401, 403, 404, 500, 503]) {
      assert.doesNotMatch(startUpProblem(listConfigMaps, status(code), SERVER).message, /secret text/, String(code));
    }
  });
});
