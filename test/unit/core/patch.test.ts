import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonPatch from 'fast-json-patch';
import { BASELINE_ANNOTATION, CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { baselineOps, removeBaselineOps, templateChecksumOps } from '../../../src/core/patch.ts';
import { applyAsServer, deployment, factsOf } from './fixtures.ts';

const OLD = `v1.${'1'.repeat(64)}`;
const NEW = `v1.${'2'.repeat(64)}`;
const conflict = { name: 'TEST_OPERATION_FAILED' };

describe('templateChecksumOps', () => {
  it('escapes the "/" in the annotation key as ~1', () => {
    const ops = templateChecksumOps(factsOf(deployment()), NEW);
    assert.ok(ops.some((op) => op.path === '/spec/template/metadata/annotations/confighash.dev~1checksum'));
  });

  it('replaces an existing checksum after testing the value it was decided on', () => {
    const before = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: OLD, 'team.example/owner': 'checkout' } });
    const ops = templateChecksumOps(factsOf(before), NEW);
    assert.equal(ops[0]?.op, 'test');
    const after = applyAsServer(before, ops);
    assert.deepEqual(after.spec?.template.metadata?.annotations, { [CHECKSUM_ANNOTATION]: NEW, 'team.example/owner': 'checkout' });
  });

  it('fails as a whole when the checksum changed underneath', () => {
    const seen = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: OLD } });
    const ops = templateChecksumOps(factsOf(seen), NEW);
    const meanwhile = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: `v1.${'3'.repeat(64)}` } });
    assert.throws(() => applyAsServer(meanwhile, ops), conflict);
  });

  it('adds the checksum beside other template annotations, guarded by the generation', () => {
    const before = deployment();
    const ops = templateChecksumOps(factsOf(before), NEW);
    assert.deepEqual(ops[0], { op: 'test', path: '/metadata/generation', value: 3 });
    const after = applyAsServer(before, ops);
    assert.deepEqual(after.spec?.template.metadata?.annotations, { 'team.example/owner': 'checkout', [CHECKSUM_ANNOTATION]: NEW });
    assert.deepEqual(after.spec?.template.metadata?.labels, { app: 'web' });
  });

  it('creates the template annotations map when there is none', () => {
    const before = deployment({ templateAnnotations: null });
    const after = applyAsServer(before, templateChecksumOps(factsOf(before), NEW));
    assert.deepEqual(after.spec?.template.metadata, { labels: { app: 'web' }, annotations: { [CHECKSUM_ANNOTATION]: NEW } });
  });

  it('creates the template metadata when there is none', () => {
    const before = deployment({ templateAnnotations: 'no-metadata' });
    const after = applyAsServer(before, templateChecksumOps(factsOf(before), NEW));
    assert.deepEqual(after.spec?.template.metadata, { annotations: { [CHECKSUM_ANNOTATION]: NEW } });
    assert.deepEqual(after.spec?.template.spec, before.spec?.template.spec);
  });

  it('fails instead of overwriting annotations when the pod template changed since it was read', () => {
    const seen = deployment({ templateAnnotations: null });
    const ops = templateChecksumOps(factsOf(seen), NEW);
    const meanwhile = deployment({ generation: 4, templateAnnotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } });
    assert.throws(() => applyAsServer(meanwhile, ops), conflict);
  });
});

describe('baselineOps', () => {
  it('writes the baseline on the workload metadata and leaves the pod template untouched', () => {
    const before = deployment();
    const after = applyAsServer(before, baselineOps(factsOf(before), NEW));
    assert.deepEqual(after.metadata?.annotations, { 'deployment.kubernetes.io/revision': '2', [BASELINE_ANNOTATION]: NEW });
    assert.deepEqual(after.spec, before.spec);
    assert.equal(after.metadata?.generation, before.metadata?.generation);
  });

  it('escapes the "/" in the baseline key as ~1', () => {
    const ops = baselineOps(factsOf(deployment()), NEW);
    assert.ok(ops.some((op) => op.path === '/metadata/annotations/confighash.dev~1baseline'));
  });

  it('creates metadata.annotations when there is none, guarded by the resourceVersion', () => {
    const before = deployment({ annotations: null, resourceVersion: '100' });
    const ops = baselineOps(factsOf(before), NEW);
    assert.ok(ops.some((op) => op.op === 'test' && op.path === '/metadata/resourceVersion' && op.value === '100'));
    const after = applyAsServer(before, ops);
    assert.deepEqual(after.metadata?.annotations, { [BASELINE_ANNOTATION]: NEW });
    assert.deepEqual(after.spec, before.spec);
  });

  it('fails instead of erasing annotations written since the read', () => {
    const seen = deployment({ annotations: null, resourceVersion: '100' });
    const ops = baselineOps(factsOf(seen), NEW);
    const meanwhile = deployment({ annotations: { 'deployment.kubernetes.io/revision': '1' }, resourceVersion: '101' });
    assert.throws(() => applyAsServer(meanwhile, ops), conflict);
  });

  it('still creates the map, guarded by the generation only, when the resourceVersion is unknown', () => {
    const before = deployment({ annotations: null });
    const ops = baselineOps({ ...factsOf(before), resourceVersion: undefined }, NEW);
    assert.ok(!ops.some((op) => op.path === '/metadata/resourceVersion'));
    assert.deepEqual(applyAsServer(before, ops).metadata?.annotations, { [BASELINE_ANNOTATION]: NEW });
  });

  it('replaces an old baseline after testing it, and fails when it changed underneath', () => {
    const before = deployment({ annotations: { [BASELINE_ANNOTATION]: OLD } });
    const ops = baselineOps(factsOf(before), NEW);
    assert.deepEqual(applyAsServer(before, ops).metadata?.annotations, { [BASELINE_ANNOTATION]: NEW });
    const meanwhile = deployment({ annotations: { [BASELINE_ANNOTATION]: `v1.${'9'.repeat(64)}` } });
    assert.throws(() => applyAsServer(meanwhile, ops), conflict);
  });
});

describe('removeBaselineOps', () => {
  it('removes a baseline it has seen, and nothing when there is none', () => {
    const before = deployment({ annotations: { [BASELINE_ANNOTATION]: OLD, keep: 'me' } });
    assert.deepEqual(applyAsServer(before, removeBaselineOps(factsOf(before))).metadata?.annotations, { keep: 'me' });
    assert.deepEqual(removeBaselineOps(factsOf(deployment())), []);
  });

  it('produces operations that fast-json-patch validates as well-formed', () => {
    const facts = factsOf(deployment({ annotations: { [BASELINE_ANNOTATION]: OLD } }));
    const ops = [...templateChecksumOps(facts, NEW), ...removeBaselineOps(facts)];
    assert.equal(jsonPatch.validate(ops), undefined);
  });
});
