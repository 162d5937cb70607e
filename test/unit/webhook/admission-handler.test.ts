import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonPatch from 'fast-json-patch';
import { CHECKSUM_ANNOTATION, FIELD_MANAGER } from '../../../src/api/constants.ts';
import { workloadFacts } from '../../../src/k8s/projections.ts';
import { answerReview } from '../../../src/webhook/admission-handler.ts';
import { deploymentObject, review, storeWithAppConfig } from './fixtures.ts';
import { kindSpec } from '../support/workload-kinds.ts';

interface Answered {
  response: { uid: string; allowed: boolean; patchType?: string; patch?: string };
}

/** The object the apiserver would store after applying the webhook's answer. */
function stored(object: Record<string, unknown>, answer: object): Record<string, unknown> {
  const { response } = answer as Answered;
  assert.equal(response.allowed, true, 'confighash never refuses a write');
  if (response.patch === undefined) return object;
  assert.equal(response.patchType, 'JSONPatch');
  const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
  return jsonPatch.applyPatch(structuredClone(object), ops, true, false).newDocument;
}

function checksumOf(object: Record<string, unknown>): string | undefined {
  const spec = object.spec as { template: { metadata?: { annotations?: Record<string, string> } } };
  return spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION];
}

describe('answerReview', () => {
  it('creates a covered Deployment with the checksum the reconciler computes, echoing the request uid', () => {
    const { context } = storeWithAppConfig();
    const object = deploymentObject();
    const answer = answerReview(context, review({ operation: 'CREATE', object }));
    assert.equal((answer.review as Answered).response.uid, 'req-1');
    assert.equal(answer.outcome, 'Created');
    assert.match(checksumOf(stored(object, answer.review)) ?? '', /^v1\.[0-9a-f]{64}$/);
  });

  it('gives the same checksum the controller would want for the stored object', () => {
    const { context } = storeWithAppConfig();
    const object = deploymentObject();
    const after = stored(object, answerReview(context, review({ operation: 'CREATE', object })).review);
    const desired = context.desiredChecksum(workloadFacts(kindSpec('Deployment'), after));
    assert.equal(desired?.kind, 'covered');
    assert.equal(checksumOf(after), desired?.kind === 'covered' ? desired.checksum : '');
  });

  it('keeps the live checksum on a replace that drops it, while the content has already changed', () => {
    const { context, setConfig } = storeWithAppConfig();
    const created = stored(deploymentObject(), answerReview(context, review({ operation: 'CREATE', object: deploymentObject() })).review);
    setConfig({ LOG_LEVEL: 'debug' });
    const replaced = deploymentObject();
    const answer = answerReview(context, review({ operation: 'UPDATE', object: replaced, oldObject: created }));
    assert.equal(answer.outcome, 'KeptLive');
    assert.equal(checksumOf(stored(replaced, answer.review)), checksumOf(created));
  });

  it('sets the current checksum on a replace that also changes the image', () => {
    const { context, setConfig } = storeWithAppConfig();
    const created = stored(deploymentObject(), answerReview(context, review({ operation: 'CREATE', object: deploymentObject() })).review);
    setConfig({ LOG_LEVEL: 'debug' });
    const replaced = deploymentObject({ image: 'web:2' });
    const answer = answerReview(context, review({ operation: 'UPDATE', object: replaced, oldObject: created }));
    assert.equal(answer.outcome, 'TemplateChanged');
    assert.notEqual(checksumOf(stored(replaced, answer.review)), checksumOf(created));
  });

  it("lets confighash's own patch through by its field manager", () => {
    const { context } = storeWithAppConfig();
    const live = deploymentObject({ templateAnnotations: { [CHECKSUM_ANNOTATION]: `v1.${'1'.repeat(64)}` } });
    const patched = deploymentObject({ templateAnnotations: { [CHECKSUM_ANNOTATION]: `v1.${'2'.repeat(64)}` } });
    const answer = answerReview(context, review({ operation: 'UPDATE', object: patched, oldObject: live, options: { kind: 'PatchOptions', fieldManager: FIELD_MANAGER } }));
    assert.equal(answer.outcome, 'OwnWrite');
    assert.equal((answer.review as Answered).response.patch, undefined);
  });

  it('answers without a patch for workloads no AppConfig covers, opted-out ones, and kinds it does not handle', () => {
    const { context } = storeWithAppConfig();
    const uncovered = deploymentObject({ configMap: 'other-config' });
    assert.equal(answerReview(context, review({ operation: 'CREATE', object: uncovered })).outcome, 'NotCovered');
    const ignored = deploymentObject({ annotations: { 'confighash.dev/ignore': 'true' } });
    assert.equal(answerReview(context, review({ operation: 'CREATE', object: ignored })).outcome, 'Ignored');
    const pod = review({ operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' }, object: { metadata: { name: 'p' } } });
    const answer = answerReview(context, pod);
    assert.deepEqual([answer.outcome, (answer.review as Answered).response.patch], ['NotApplicable', undefined]);
    assert.equal(answerReview(context, review({ operation: 'DELETE', oldObject: deploymentObject() })).outcome, 'NotApplicable');
  });

  it('answers without a patch before the initial sync', () => {
    const { context } = storeWithAppConfig();
    const notSynced = { ...context, desiredChecksum: () => undefined };
    assert.equal(answerReview(notSynced, review({ operation: 'CREATE', object: deploymentObject() })).outcome, 'NotSynced');
  });

  it('refuses a body that is not an AdmissionReview v1', () => {
    const { context } = storeWithAppConfig();
    assert.throws(() => answerReview(context, { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }), { name: 'InvalidReviewError' });
    assert.throws(() => answerReview(context, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), /no request.uid/);
  });

  it("creates a covered CronJob with the checksum in its job template's pod template, and leaves a kind it does not cover alone", () => {
    const { context } = storeWithAppConfig();
    const deployment = deploymentObject();
    const podTemplate = (deployment.spec as { template: unknown }).template;
    const cronJob = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report', namespace: 'shop' }, spec: { schedule: '@hourly', jobTemplate: { spec: { template: podTemplate } } } };
    const answer = answerReview(context, review({ operation: 'CREATE', object: cronJob, kind: { group: 'batch', version: 'v1', kind: 'CronJob' } }));
    assert.equal(answer.outcome, 'Created');
    const after = stored(cronJob, answer.review) as { spec: { jobTemplate: { spec: { template: Record<string, unknown> } } } };
    const desired = context.desiredChecksum(workloadFacts(kindSpec('CronJob'), after));
    assert.equal(checksumOf({ spec: after.spec.jobTemplate.spec }), desired?.kind === 'covered' ? desired.checksum : 'covered');

    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'shop' }, spec: { template: podTemplate } };
    const untouched = answerReview(context, review({ operation: 'CREATE', object: job, kind: { group: 'batch', version: 'v1', kind: 'Job' } }));
    assert.equal(untouched.outcome, 'NotApplicable');
  });
});
