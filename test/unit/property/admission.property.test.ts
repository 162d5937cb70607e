// Random AdmissionReviews through the admission handler: it always answers (or, for a body
// that is no AdmissionReview v1, refuses it with InvalidReviewError, which the server turns
// into a 400), the answer always allows the write, and any patch is a valid JSON Patch that
// applies to the object as sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import jsonPatch from 'fast-json-patch';
import { CHECKSUM_ANNOTATION, FIELD_MANAGER, IGNORE_ANNOTATION } from '../../../src/api/constants.ts';
import { answerReview } from '../../../src/webhook/admission-handler.ts';
import { InvalidReviewError } from '../../../src/webhook/admission-review.ts';
import { storeWithAppConfig, NAMESPACE } from '../webhook/fixtures.ts';
import { podTemplate } from './pod-templates.ts';
import { propertyParameters } from './parameters.ts';

const annotations = fc.dictionary(
  fc.oneof(fc.constantFrom(CHECKSUM_ANNOTATION, IGNORE_ANNOTATION, 'a~b/c', 'x'), fc.string({ maxLength: 8 })),
  fc.oneof(fc.constantFrom('true', 'false', 'v1.abc'), fc.string({ maxLength: 8 })),
  { maxKeys: 3 },
);

const kinds = fc.constantFrom(
  { group: 'apps', version: 'v1', kind: 'Deployment', pointer: ['spec', 'template'] },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', pointer: ['spec', 'template'] },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', pointer: ['spec', 'template'] },
  { group: 'batch', version: 'v1', kind: 'CronJob', pointer: ['spec', 'jobTemplate', 'spec', 'template'] },
  { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', pointer: ['spec', 'template'] },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', pointer: ['spec', 'template'] },
);

function nest(pointer: readonly string[], leaf: unknown): Record<string, unknown> {
  return pointer.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf as Record<string, unknown>);
}

const workloadObject = (pointer: readonly string[]) =>
  fc.record({
    name: fc.constantFrom('web', 'api', ''),
    annotations: fc.option(annotations, { nil: undefined }),
    template: fc.oneof(podTemplate, fc.anything()),
    spec: fc.option(fc.object({ maxDepth: 2 }), { nil: undefined }),
  }).map(({ name, annotations: objectAnnotations, template, spec }) => {
    const object = nest(pointer, template);
    if (spec !== undefined) object.spec = { ...spec, ...(object.spec as object) };
    return { apiVersion: 'apps/v1', metadata: { name, namespace: NAMESPACE, uid: 'u1', generation: 1, ...(objectAnnotations ? { annotations: objectAnnotations } : {}) }, ...object };
  });

const wellFormedReview = kinds.chain((kind) =>
  fc.record({
    uid: fc.string({ minLength: 1, maxLength: 8 }),
    operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT', ''),
    object: fc.option(workloadObject(kind.pointer), { nil: undefined }),
    oldObject: fc.option(workloadObject(kind.pointer), { nil: undefined }),
    fieldManager: fc.option(fc.constantFrom(FIELD_MANAGER, 'kubectl', 'argocd'), { nil: undefined }),
    dryRun: fc.boolean(),
  }).map((request) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: request.uid,
      kind: { group: kind.group, version: kind.version, kind: kind.kind },
      namespace: NAMESPACE,
      operation: request.operation,
      ...(request.object ? { object: request.object } : {}),
      ...(request.oldObject ? { oldObject: request.oldObject } : {}),
      ...(request.fieldManager ? { options: { fieldManager: request.fieldManager } } : {}),
      dryRun: request.dryRun,
    },
  })),
);

interface Response {
  uid: string;
  allowed: boolean;
  patchType?: string;
  patch?: string;
}

function checkAnswer(body: Record<string, unknown>, review: object): void {
  const { response } = review as { response: Response };
  const request = body.request as { uid: string; object?: unknown };
  assert.equal(response.uid, request.uid, 'the answer echoes the request uid');
  assert.equal(response.allowed, true, 'confighash never refuses a write');
  if (response.patch === undefined) {
    assert.equal(response.patchType, undefined);
    return;
  }
  assert.equal(response.patchType, 'JSONPatch');
  const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as jsonPatch.Operation[];
  assert.ok(Array.isArray(ops) && ops.length > 0);
  const error = jsonPatch.validate(ops, structuredClone(request.object));
  assert.equal(error, undefined, `the patch applies to the object as sent: ${String(error)}`);
}

describe('answerReview, property-based', () => {
  it('answers every well-formed AdmissionReview, allowing it, with a valid JSON Patch or none', () => {
    const { context } = storeWithAppConfig();
    fc.assert(
      fc.property(wellFormedReview, (body) => {
        checkAnswer(body, answerReview(context, body).review);
      }),
      propertyParameters(),
    );
  });

  it('answers any other body or refuses it with InvalidReviewError, and never fails otherwise', () => {
    const { context } = storeWithAppConfig();
    const anyBody = fc.oneof(fc.anything(), fc.record({ apiVersion: fc.constant('admission.k8s.io/v1'), kind: fc.constant('AdmissionReview'), request: fc.anything() }));
    fc.assert(
      fc.property(anyBody, (body) => {
        try {
          checkAnswer(body as Record<string, unknown>, answerReview(context, body).review);
        } catch (error) {
          if (!(error instanceof InvalidReviewError)) throw error;
        }
      }),
      propertyParameters(),
    );
  });
});
