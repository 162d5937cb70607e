import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrateReloaderAnnotations, type Manifest } from '../../../src/migrate/reloader-migration.ts';

function deployment(name: string, annotations: Record<string, string>, configMaps: string[], namespace = 'shop', templateAnnotations?: Record<string, string>): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, annotations },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(templateAnnotations ? { annotations: templateAnnotations } : {}) },
        spec: { containers: [{ name: 'app', image: 'app:1', envFrom: configMaps.map((cm) => ({ configMapRef: { name: cm } })) }] },
      },
    },
  };
}

const configMap = (name: string, annotations?: Record<string, string>, namespace = 'shop'): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  data: { v: '1' },
});

const summary = (manifests: Manifest[]): string[] =>
  manifests.map((m) => {
    const spec = m.spec as { configMaps?: { name: string }[]; secrets?: { name: string }[]; workloads: { names: { kind: string; name: string }[] } };
    const meta = m.metadata as { name: string; namespace?: string };
    const sources = [...(spec.configMaps ?? []).map((e) => `cm:${e.name}`), ...(spec.secrets ?? []).map((e) => `secret:${e.name}`)].join(',');
    return `${meta.namespace}/${meta.name} ${sources} <- ${spec.workloads.names.map((n) => `${n.kind}/${n.name}`).join(',')}`;
  });

describe('confighash migrate: Reloader annotations to AppConfigs', () => {
  it('groups workloads of one namespace that count the same sources into one AppConfig, and others apart', () => {
    const { appConfigs } = migrateReloaderAnnotations([
      configMap('app-cm'),
      configMap('other-cm'),
      deployment('web', { 'reloader.stakater.com/auto': 'true' }, ['app-cm']),
      deployment('api', { 'configmap.reloader.stakater.com/reload': 'app-cm' }, ['app-cm']),
      deployment('jobs', { 'reloader.stakater.com/auto': 'true' }, ['app-cm', 'other-cm']),
      deployment('web', { 'reloader.stakater.com/auto': 'true' }, ['app-cm'], 'staging'),
      deployment('plain', {}, ['app-cm']),
    ]);
    assert.deepEqual(summary(appConfigs), [
      'shop/reloader-api cm:app-cm <- Deployment/api,Deployment/web',
      'shop/reloader-jobs cm:app-cm,cm:other-cm <- Deployment/jobs',
      'staging/reloader-web cm:app-cm <- Deployment/web',
    ]);
  });

  it('resolves reload expressions and search to the sources there are now, and says so', () => {
    const { appConfigs, notes } = migrateReloaderAnnotations([
      configMap('feature-a'),
      configMap('feature-b'),
      configMap('tagged', { 'reloader.stakater.com/match': 'true' }),
      deployment('web', { 'configmap.reloader.stakater.com/reload': 'feature-.*,(bad' }, []),
      deployment('api', { 'reloader.stakater.com/search': 'true' }, ['tagged', 'feature-a']),
    ]);
    assert.deepEqual(summary(appConfigs), ['shop/reloader-api cm:tagged <- Deployment/api', 'shop/reloader-web cm:feature-a,cm:feature-b <- Deployment/web']);
    assert.ok(notes.some((n) => /Deployment shop\/web: .*"\(bad" is not a regular expression/.test(n)), notes.join('\n'));
    assert.ok(notes.some((n) => /Deployment shop\/web: its ConfigMap reload expressions are listed as the ConfigMaps they match now/.test(n)));
    assert.ok(notes.some((n) => /Deployment shop\/api: reloader.stakater.com\/search is listed/.test(n)));
  });

  it('leaves out a workload an AppConfig already covers, as compatibility mode does', () => {
    const { appConfigs, notes } = migrateReloaderAnnotations([
      configMap('app-cm'),
      deployment('web', { 'reloader.stakater.com/auto': 'true' }, ['app-cm']),
      { apiVersion: 'confighash.dev/v1', kind: 'AppConfig', metadata: { name: 'web', namespace: 'shop' }, spec: { configMaps: [{ name: 'app-cm' }] } },
    ]);
    assert.deepEqual(appConfigs, []);
    assert.ok(notes.some((n) => /Deployment shop\/web: an AppConfig already covers it/.test(n)));
  });

  it('strips the translated annotations from workloads and templates, and match/ignore from sources, leaving the rest', () => {
    const { stripped } = migrateReloaderAnnotations([
      configMap('app-cm', { 'reloader.stakater.com/match': 'true', keep: 'me' }),
      deployment('web', { 'reloader.stakater.com/auto': 'true', team: 'a' }, ['app-cm'], 'shop', { 'reloader.stakater.com/search': 'true' }),
    ]);
    assert.deepEqual((stripped[0]?.metadata as { annotations?: unknown }).annotations, { keep: 'me' });
    const web = stripped[1] as { metadata: { annotations?: unknown }; spec: { template: { metadata: { annotations?: unknown } } } };
    assert.deepEqual(web.metadata.annotations, { team: 'a' });
    assert.equal(web.spec.template.metadata.annotations, undefined, 'an emptied annotations map goes');
  });

  it('gives AppConfigs in one namespace distinct names', () => {
    const { appConfigs } = migrateReloaderAnnotations([
      configMap('a'),
      configMap('b'),
      deployment('web', { 'reloader.stakater.com/auto': 'true' }, ['a']),
      { ...deployment('web', { 'reloader.stakater.com/auto': 'true' }, ['b']), kind: 'StatefulSet' },
    ]);
    assert.deepEqual(appConfigs.map((m) => (m.metadata as { name: string }).name), ['reloader-web', 'reloader-web-2']);
  });
});
