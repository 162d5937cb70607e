import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestConfigMapContent, workloadChecksum } from '../../../src/core/checksum.ts';
import { sourceId } from '../../../src/core/references.ts';
import { FactStore } from '../../../src/k8s/fact-store.ts';
import { workloadFacts } from '../../../src/k8s/projections.ts';
import { CoverageLookup } from '../../../src/reconcile/coverage-lookup.ts';
import { kindSpec } from '../support/workload-kinds.ts';

const WEB_CONFIG = sourceId('ConfigMap', 'web-config');

/** Deployment shop/web reads web-config (every key) and app-flags (key THEME only); an AppConfig lists both. */
function world(appConfigSpec: { configMaps: Array<{ name: string; keys?: string[] }> }) {
  const store = new FactStore();
  store.setWorkload(
    workloadFacts(kindSpec('Deployment'), {
      metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation: 1 },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'app:1',
                envFrom: [{ configMapRef: { name: 'web-config' } }],
                env: [{ name: 'THEME', valueFrom: { configMapKeyRef: { name: 'app-flags', key: 'THEME' } } }],
              },
            ],
          },
        },
      },
    }),
    'list',
  );
  store.setAppConfig({ namespace: 'shop', name: 'web', uid: 'uid-ac', generation: 1, spec: appConfigSpec });
  store.setSource('shop', WEB_CONFIG, digestConfigMapContent({ data: { LOG_LEVEL: 'info' } }));
  store.setSource('shop', sourceId('ConfigMap', 'app-flags'), digestConfigMapContent({ data: { THEME: 'dark', OTHER: '1' } }));
  const coverage = new CoverageLookup(store);
  const checksumNow = (): string => {
    const workload = store.workload('shop', 'Deployment/web');
    assert.ok(workload);
    const desired = coverage.desiredChecksum(workload, 'unused0');
    assert.equal(desired.kind, 'covered');
    return desired.checksum;
  };
  return { store, checksumNow };
}

describe('coverage lookup', () => {
  it('gives the checksum of the content as it is now after each change, with the workload facts unchanged', () => {
    const { store, checksumNow } = world({ configMaps: [{ name: 'web-config' }, { name: 'app-flags' }] });
    const first = checksumNow();
    assert.equal(checksumNow(), first, 'asked twice, the same answer');

    store.setSource('shop', WEB_CONFIG, digestConfigMapContent({ data: { LOG_LEVEL: 'debug' } }));
    const second = checksumNow();
    assert.notEqual(second, first, 'a content change gives a new checksum');
    const expected = workloadChecksum(
      [
        { kind: 'ConfigMap', name: 'app-flags', scope: { kind: 'keys', keys: ['THEME'] }, digest: digestConfigMapContent({ data: { THEME: 'dark', OTHER: '1' } }) },
        { kind: 'ConfigMap', name: 'web-config', scope: { kind: 'all' }, digest: digestConfigMapContent({ data: { LOG_LEVEL: 'debug' } }) },
      ],
      'unused0',
    );
    assert.equal(second, expected, 'the same checksum the core computes from scratch');

    store.setSource('shop', WEB_CONFIG, digestConfigMapContent({ data: { LOG_LEVEL: 'info' } }));
    assert.equal(checksumNow(), first, 'back to the first content, back to the first checksum');
  });

  it('gives a new checksum when the AppConfig narrows the keys that count, with the content unchanged', () => {
    const { store, checksumNow } = world({ configMaps: [{ name: 'web-config' }, { name: 'app-flags' }] });
    const before = checksumNow();
    store.setSource('shop', WEB_CONFIG, digestConfigMapContent({ data: { LOG_LEVEL: 'info', PORT: '80' } }));
    const wide = checksumNow();
    assert.notEqual(wide, before);
    store.setAppConfig({ namespace: 'shop', name: 'web', uid: 'uid-ac', generation: 2, spec: { configMaps: [{ name: 'web-config', keys: ['LOG_LEVEL'] }, { name: 'app-flags' }] } });
    assert.equal(checksumNow(), before, 'PORT no longer counts: the checksum of LOG_LEVEL alone');
  });
});
