import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiVerbOf } from '../../../src/k8s/api-verb.ts';

describe('apiVerbOf', () => {
  const cases: Array<[method: string, url: string, verb: string]> = [
    ['GET', 'https://10.0.0.1:6443/api/v1/configmaps?limit=500', 'list'],
    ['GET', '/api/v1/namespaces/shop/configmaps', 'list'],
    ['GET', '/api/v1/namespaces/confighash-system/secrets/confighash-hmac-key', 'get'],
    ['GET', '/apis/apps/v1/namespaces/shop/deployments?watch=true&resourceVersion=5', 'watch'],
    ['GET', '/api/v1/watch/namespaces/shop/secrets', 'watch'],
    ['GET', '/api/v1/namespaces', 'list'],
    ['GET', '/api/v1/namespaces/shop', 'get'],
    ['GET', '/version', 'get'],
    ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/web', 'patch'],
    ['PATCH', '/apis/confighash.dev/v1alpha1/namespaces/shop/appconfigs/web/status', 'patch'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/confighash-system/leases/confighash', 'update'],
    ['POST', '/apis/events.k8s.io/v1/namespaces/shop/events', 'create'],
    ['DELETE', '/api/v1/namespaces/shop/configmaps/app', 'delete'],
    ['DELETE', '/api/v1/namespaces/shop/configmaps', 'deletecollection'],
    ['OPTIONS', '/api/v1/configmaps', 'other'],
  ];
  for (const [method, url, verb] of cases) {
    it(`calls ${method} ${url} a ${verb}`, () => assert.equal(apiVerbOf(method, url), verb));
  }
});
