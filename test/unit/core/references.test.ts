import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PodSpec } from '@kubernetes/client-node';
import {
  intersectScopes,
  parseSourceId,
  referencedSources,
  scopeFromKeys,
  sourceId,
  unionScopes,
} from '../../../src/core/references.ts';
import type { KeyScope, SourceId } from '../../../src/core/types.ts';

const ALL: KeyScope = { kind: 'all' };
const keys = (...names: string[]): KeyScope => ({ kind: 'keys', keys: names });
const asObject = (map: Map<SourceId, KeyScope>): Record<string, KeyScope> => Object.fromEntries(map);

describe('referencedSources', () => {
  it('finds nothing in an absent or empty pod spec', () => {
    assert.deepEqual(asObject(referencedSources(undefined)), {});
    assert.deepEqual(asObject(referencedSources({ containers: [] })), {});
  });

  it('scopes a ConfigMap volume to its items, and to every key without items or with an empty list', () => {
    const spec: V1PodSpec = {
      containers: [],
      volumes: [
        { name: 'a', configMap: { name: 'narrow', items: [{ key: 'z.yaml', path: 'z' }, { key: 'a.yaml', path: 'a' }] } },
        { name: 'b', configMap: { name: 'whole' } },
        { name: 'c', configMap: { name: 'empty-items', items: [] } },
      ],
    };
    assert.deepEqual(asObject(referencedSources(spec)), {
      'ConfigMap/empty-items': ALL,
      'ConfigMap/narrow': keys('a.yaml', 'z.yaml'),
      'ConfigMap/whole': ALL,
    });
  });

  it('reads a Secret volume by secretName and honours its items', () => {
    const spec: V1PodSpec = {
      containers: [],
      volumes: [
        { name: 'tls', secret: { secretName: 'web-tls', items: [{ key: 'tls.key', path: 'key.pem' }] } },
        { name: 'all', secret: { secretName: 'web-env' } },
      ],
    };
    assert.deepEqual(asObject(referencedSources(spec)), { 'Secret/web-env': ALL, 'Secret/web-tls': keys('tls.key') });
  });

  it('follows projected volumes into their ConfigMap and Secret sources only', () => {
    const spec: V1PodSpec = {
      containers: [],
      volumes: [
        {
          name: 'bundle',
          projected: {
            sources: [
              { configMap: { name: 'settings', items: [{ key: 'app.toml', path: 'app.toml' }] } },
              { secret: { name: 'token' } },
              { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
              { serviceAccountToken: { path: 'sa-token' } },
            ],
          },
        },
      ],
    };
    assert.deepEqual(asObject(referencedSources(spec)), {
      'ConfigMap/settings': keys('app.toml'),
      'Secret/token': ALL,
    });
  });

  it('counts envFrom as every key and env valueFrom as that one key', () => {
    const spec: V1PodSpec = {
      containers: [
        {
          name: 'app',
          envFrom: [{ configMapRef: { name: 'env-cm' } }, { secretRef: { name: 'env-secret' }, prefix: 'S_' }],
          env: [
            { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'logging', key: 'level' } } },
            { name: 'PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
            { name: 'PLAIN', value: 'not a reference' },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
        },
      ],
    };
    assert.deepEqual(asObject(referencedSources(spec)), {
      'ConfigMap/env-cm': ALL,
      'ConfigMap/logging': keys('level'),
      'Secret/db': keys('password'),
      'Secret/env-secret': ALL,
    });
  });

  it('looks into init containers and ephemeral containers as well as containers', () => {
    const spec: V1PodSpec = {
      initContainers: [{ name: 'migrate', envFrom: [{ secretRef: { name: 'migrations' } }] }],
      containers: [{ name: 'app' }],
      ephemeralContainers: [
        { name: 'debug', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'debug', key: 'x' } } }] },
      ],
    };
    assert.deepEqual(asObject(referencedSources(spec)), {
      'ConfigMap/debug': keys('x'),
      'Secret/migrations': ALL,
    });
  });

  it('unions the keys of several references to one object, and lets a whole-object reference absorb them', () => {
    const spec: V1PodSpec = {
      containers: [
        {
          name: 'app',
          env: [
            { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'b' } } },
            { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } },
            { name: 'A2', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } },
            { name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          ],
          envFrom: [{ secretRef: { name: 'creds' } }],
        },
      ],
      volumes: [{ name: 'v', configMap: { name: 'cfg', items: [{ key: 'c', path: 'c' }] } }],
    };
    assert.deepEqual(asObject(referencedSources(spec)), {
      'ConfigMap/cfg': keys('a', 'b', 'c'),
      'Secret/creds': ALL,
    });
  });

  it('ignores imagePullSecrets, which the kubelet uses and the application never reads', () => {
    const spec: V1PodSpec = { containers: [{ name: 'app' }], imagePullSecrets: [{ name: 'registry-creds' }] };
    assert.deepEqual(asObject(referencedSources(spec)), {});
  });

  it('returns sources ordered by kind, then name, whatever the order in the pod spec', () => {
    const spec: V1PodSpec = {
      containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'b' } }, { configMapRef: { name: 'z' } }, { secretRef: { name: 'a' } }] }],
      volumes: [{ name: 'v', configMap: { name: 'm' } }],
    };
    assert.deepEqual([...referencedSources(spec).keys()], ['ConfigMap/m', 'ConfigMap/z', 'Secret/a', 'Secret/b']);
  });
});

describe('source ids', () => {
  it('round-trips kind and name', () => {
    const id = sourceId('Secret', 'web.db-creds');
    assert.equal(id, 'Secret/web.db-creds');
    assert.deepEqual(parseSourceId(id), { kind: 'Secret', name: 'web.db-creds' });
  });

  it('rejects ids without a known kind or a name', () => {
    for (const bad of ['Pod/web', 'ConfigMap/', 'ConfigMap', 'configmap/web']) {
      assert.throws(() => parseSourceId(bad as SourceId), TypeError, bad);
    }
  });
});

describe('key scopes', () => {
  it('reads absent keys as every key and sorts and de-duplicates listed ones', () => {
    assert.deepEqual(scopeFromKeys(undefined), ALL);
    assert.deepEqual(scopeFromKeys(['b', 'a', 'b']), keys('a', 'b'));
  });

  it('unions to every key as soon as one side is every key', () => {
    assert.deepEqual(unionScopes(keys('a'), ALL), ALL);
    assert.deepEqual(unionScopes(ALL, keys('a')), ALL);
    assert.deepEqual(unionScopes(keys('c', 'a'), keys('b', 'a')), keys('a', 'b', 'c'));
  });

  it('intersects to the narrower side, possibly to no key at all', () => {
    assert.deepEqual(intersectScopes(ALL, ALL), ALL);
    assert.deepEqual(intersectScopes(ALL, keys('a')), keys('a'));
    assert.deepEqual(intersectScopes(keys('a', 'b'), ALL), keys('a', 'b'));
    assert.deepEqual(intersectScopes(keys('a', 'b'), keys('b', 'c')), keys('b'));
    assert.deepEqual(intersectScopes(keys('a'), keys('b')), keys());
  });
});
