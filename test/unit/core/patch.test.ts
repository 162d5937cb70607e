import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonPatch from 'fast-json-patch';
import { CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { templateChecksumOps } from '../../../src/core/patch.ts';
import { applyAsServer, deployment, factsOf } from './fixtures.ts';

const OLD = `v1.${'1'.repeat(64)}`;
const NEW = `v1.${'2'.repeat(64)}`;
const conflict = { name: 'TEST_OPERATION_FAILED' };

describe('templateChecksumOps', () => {
  it('escapes the "/" in the annotation key as ~1', () => {
    const ops = templateChecksumOps(factsOf(deployment()), NEW);
    assert.ok(ops.some((op) => op.path === '/spec/template/metadata/annotations/confighash.dev~1checksum'));
  });

  it('replaces an existing checksum after testing the generation and the value it was decided on', () => {
    const before = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: OLD, 'team.example/owner': 'checkout' } });
    const ops = templateChecksumOps(factsOf(before), NEW);
    assert.deepEqual(ops.slice(0, 2), [
      { op: 'test', path: '/metadata/generation', value: 3 },
      { op: 'test', path: '/spec/template/metadata/annotations/confighash.dev~1checksum', value: OLD },
    ]);
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

  it('fails when someone else added the checksum since the read (the generation moved with it)', () => {
    const seen = deployment();
    const ops = templateChecksumOps(factsOf(seen), NEW);
    const meanwhile = applyAsServer(seen, templateChecksumOps(factsOf(seen), OLD));
    assert.throws(() => applyAsServer(meanwhile, ops), conflict);
  });

  it('produces operations that fast-json-patch validates as well-formed', () => {
    assert.equal(jsonPatch.validate(templateChecksumOps(factsOf(deployment()), NEW)), undefined);
    assert.equal(jsonPatch.validate(templateChecksumOps(factsOf(deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: OLD } })), NEW)), undefined);
  });

  it("writes into the pod template where the kind keeps it: a CronJob's job template", () => {
    const cronJob = factsOf(deployment({ templateAnnotations: 'no-metadata' }));
    const ops = templateChecksumOps({ ...cronJob, templatePointer: '/spec/jobTemplate/spec/template' }, NEW);
    assert.deepEqual(
      ops.map((op) => `${op.op} ${op.path}`),
      [
        'test /metadata/generation',
        'add /spec/jobTemplate/spec/template/metadata',
        'add /spec/jobTemplate/spec/template/metadata/annotations',
        'add /spec/jobTemplate/spec/template/metadata/annotations/confighash.dev~1checksum',
      ],
    );
  });
});
