import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { digestConfigMapContent, workloadChecksum } from '../../../src/core/checksum.ts';
import { DEFAULT_WORKLOAD_KINDS, WorkloadKinds } from '../../../src/api/workload-kinds.ts';
import { stampChecksums, type Manifest } from '../../../src/render/stamp-stream.ts';

const configMap = (name: string, data: Record<string, string>): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data });
const appConfig = (spec: Record<string, unknown>): Manifest => ({ apiVersion: 'confighash.dev/v1', kind: 'AppConfig', metadata: { name: 'web', namespace: 'shop' }, spec });
const deployment = (podSpec: Record<string, unknown>, annotations?: Record<string, string>): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', ...(annotations ? { annotations } : {}) },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1', ...podSpec }] } } },
});
const checksumOf = (m: Manifest | undefined): unknown =>
  ((((m?.spec as Record<string, unknown>)?.template as Record<string, unknown>)?.metadata as Record<string, unknown>)?.annotations as Record<string, unknown>)?.[CHECKSUM_ANNOTATION];

describe('stampChecksums', () => {
  it('stamps the checksum the controller computes for a workload that reads only ConfigMaps', () => {
    const input = [configMap('web-config', { A: '1' }), appConfig({ configMaps: [{ name: 'web-config' }] }), deployment({ envFrom: [{ configMapRef: { name: 'web-config' } }] })];
    const { manifests, stamped } = stampChecksums(input);
    const expected = workloadChecksum([{ kind: 'ConfigMap', name: 'web-config', scope: { kind: 'all' }, digest: digestConfigMapContent({ data: { A: '1' } }) }], '');
    assert.equal(checksumOf(manifests[2]), expected);
    assert.deepEqual(stamped.map((s) => s.checksum), [expected]);
    assert.equal(checksumOf(input[2]), undefined, 'the input is not changed');
  });

  it('counts only the keys the pod can see, as the controller does', () => {
    const stream = (value: string) => [
      configMap('web-config', { USED: 'a', UNUSED: value }),
      appConfig({ configMaps: [{ name: 'web-config' }] }),
      deployment({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'USED' } } }] }),
    ];
    assert.equal(checksumOf(stampChecksums(stream('1')).manifests[2]), checksumOf(stampChecksums(stream('2')).manifests[2]));
  });

  it('leaves Secrets out, and says so', () => {
    const input = [
      configMap('web-config', { A: '1' }),
      appConfig({ configMaps: [{ name: 'web-config' }], secrets: [{ name: 'web-db' }] }),
      deployment({ envFrom: [{ configMapRef: { name: 'web-config' } }, { secretRef: { name: 'web-db' } }] }),
    ];
    const { stamped } = stampChecksums(input);
    assert.deepEqual(stamped[0]?.secretsLeftOut, ['web-db']);
    assert.match(String(stamped[0]?.checksum), /^v1\.[0-9a-f]{64}$/);
  });

  it('leaves a workload unstamped when a listed ConfigMap is not in the stream, or nothing covers it, or it opted out', () => {
    const missing = stampChecksums([appConfig({ configMaps: [{ name: 'web-config' }] }), deployment({ envFrom: [{ configMapRef: { name: 'web-config' } }] })]);
    assert.equal(checksumOf(missing.manifests[1]), undefined);
    assert.deepEqual(missing.stamped[0]?.missing, ['web-config']);
    const uncovered = stampChecksums([configMap('web-config', { A: '1' }), deployment({ envFrom: [{ configMapRef: { name: 'web-config' } }] })]);
    assert.equal(checksumOf(uncovered.manifests[1]), undefined);
    const ignored = stampChecksums([
      configMap('web-config', { A: '1' }),
      appConfig({ configMaps: [{ name: 'web-config' }] }),
      deployment({ envFrom: [{ configMapRef: { name: 'web-config' } }] }, { 'confighash.dev/ignore': 'true' }),
    ]);
    assert.equal(checksumOf(ignored.manifests[2]), undefined);
  });

  it("stamps a CronJob in its job template's pod template, and a kind given by flag where its pointer says", () => {
    const podSpec = { containers: [{ name: 'job', image: 'job:1', envFrom: [{ configMapRef: { name: 'web-config' } }] }] };
    const cronJob: Manifest = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report', namespace: 'shop' }, spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: podSpec } } } } };
    const custom: Manifest = { apiVersion: 'example.com/v1', kind: 'Worker', metadata: { name: 'w', namespace: 'shop' }, spec: { pod: { spec: podSpec } } };
    const input = [configMap('web-config', { A: '1' }), appConfig({ configMaps: [{ name: 'web-config' }] }), cronJob, custom];
    const expected = workloadChecksum([{ kind: 'ConfigMap', name: 'web-config', scope: { kind: 'all' }, digest: digestConfigMapContent({ data: { A: '1' } }) }], '');
    const annotationAt = (m: Manifest | undefined, ...path: string[]): unknown => {
      let node: unknown = m;
      for (const key of [...path, 'metadata', 'annotations', CHECKSUM_ANNOTATION]) node = (node as Record<string, unknown> | undefined)?.[key];
      return node;
    };
    const defaults = stampChecksums(input);
    assert.equal(annotationAt(defaults.manifests[2], 'spec', 'jobTemplate', 'spec', 'template'), expected);
    assert.equal(defaults.manifests[3], input[3], 'a kind nobody named is passed through untouched');
    const worker = { apiVersion: 'example.com/v1', kind: 'Worker', plural: 'workers', templatePointer: '/spec/pod', progress: 'none', reportsProgressDeadline: false } as const;
    const withWorker = stampChecksums(input, new WorkloadKinds([...DEFAULT_WORKLOAD_KINDS, worker]));
    assert.equal(annotationAt(withWorker.manifests[3], 'spec', 'pod'), expected);
  });
});
