import type { Operation } from 'fast-json-patch';
import type { WorkloadKindSpec, WorkloadKinds } from '../api/workload-kinds.ts';
import { isRecord } from '../core/is-record.ts';

/*
 * The admission.k8s.io/v1 AdmissionReview wire format: what the apiserver sends to a webhook
 * and what it expects back. Only the fields confighash reads are typed.
 */

const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

/** One request, reduced to what the decision needs; objects stay plain JSON. */
export interface AdmissionRequest {
  readonly uid: string;
  /** The kind being admitted; undefined for anything but a covered workload kind, in its group and version. */
  readonly kindSpec: WorkloadKindSpec | undefined;
  readonly operation: string;
  readonly namespace: string;
  readonly object: Record<string, unknown> | undefined;
  readonly oldObject: Record<string, unknown> | undefined;
  /** The field manager the write was made with (its CreateOptions, UpdateOptions or PatchOptions). */
  readonly fieldManager: string | undefined;
  readonly dryRun: boolean;
}

/** The body is not an AdmissionReview v1 with a request: answered with 400, never guessed at. */
export class InvalidReviewError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReviewError';
  }
}

export function parseAdmissionReview(body: unknown, kinds: WorkloadKinds): AdmissionRequest {
  if (!isRecord(body) || body.apiVersion !== ADMISSION_API_VERSION || body.kind !== 'AdmissionReview') {
    throw new InvalidReviewError(`expected an ${ADMISSION_API_VERSION} AdmissionReview (set admissionReviewVersions: [v1])`);
  }
  const request = body.request;
  if (!isRecord(request) || typeof request.uid !== 'string' || request.uid === '') {
    throw new InvalidReviewError('the AdmissionReview has no request.uid');
  }
  const kind = isRecord(request.kind) ? request.kind : {};
  const options = isRecord(request.options) ? request.options : {};
  return {
    uid: request.uid,
    kindSpec: kinds.byGroupVersionKind(kind.group, kind.version, kind.kind),
    operation: typeof request.operation === 'string' ? request.operation : '',
    namespace: typeof request.namespace === 'string' ? request.namespace : '',
    object: isRecord(request.object) ? request.object : undefined,
    oldObject: isRecord(request.oldObject) ? request.oldObject : undefined,
    fieldManager: typeof options.fieldManager === 'string' ? options.fieldManager : undefined,
    dryRun: request.dryRun === true,
  };
}

/** The answer: always allowed (confighash never blocks a write), with a JSON Patch when there is one. */
export function admissionResponse(uid: string, ops: readonly Operation[]): object {
  const response =
    ops.length === 0
      ? { uid, allowed: true }
      : { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') };
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}
