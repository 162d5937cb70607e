import type { Logger } from 'pino';
import { FIELD_MANAGER, type WorkloadKind } from '../api/constants.ts';
import type { WorkloadKinds } from '../api/workload-kinds.ts';
import { configMapChecksum } from '../core/checksum.ts';
import { admit, type AdmitOperation, type AllowReason, type PatchReason } from '../core/admit.ts';
import type { WorkloadFacts } from '../core/types.ts';
import { workloadFacts } from '../k8s/projections.ts';
import type { DesiredChecksum } from '../reconcile/coverage-lookup.ts';
import { admissionResponse, parseAdmissionReview } from './admission-review.ts';
import { templateChangedBeyondChecksum } from './template-change.ts';

export interface AdmissionContext {
  /**
   * The checksum a workload's sources have now, from the controller's memory (no API call);
   * undefined until the controller's initial lists are in.
   */
  desiredChecksum(workload: WorkloadFacts): DesiredChecksum | undefined;
  /** The workload kinds in effect: a request for any other kind is allowed as it is. */
  kinds: WorkloadKinds;
  logger: Logger;
}

/** The decision behind an answer, for metrics: a small closed set. */
export type AdmissionOutcome = AllowReason | PatchReason | 'NotApplicable';

export interface ReviewAnswer {
  /** The AdmissionReview to send back. */
  readonly review: object;
  readonly kind: WorkloadKind | undefined;
  readonly operation: string;
  readonly outcome: AdmissionOutcome;
}

/**
 * Answers one AdmissionReview: reduces the objects to facts the way a watch event is reduced,
 * asks the controller's memory for the checksum the reconciler would want, and lets core/admit
 * decide. Throws InvalidReviewError for a body that is no AdmissionReview v1.
 */
export function answerReview(ctx: AdmissionContext, body: unknown): ReviewAnswer {
  const request = parseAdmissionReview(body, ctx.kinds);
  const { kindSpec, operation, object, oldObject } = request;
  const kind = kindSpec?.kind;
  const applicable = kindSpec !== undefined && object !== undefined && (operation === 'CREATE' || (operation === 'UPDATE' && oldObject !== undefined));
  if (!applicable) return { review: admissionResponse(request.uid, []), kind, operation, outcome: 'NotApplicable' };

  const incoming = inNamespace(workloadFacts(kindSpec, object), request.namespace);
  const live = oldObject ? inNamespace(workloadFacts(kindSpec, oldObject), request.namespace) : undefined;
  const desired = ctx.desiredChecksum(incoming);
  const admission = admit({
    operation: operation as AdmitOperation,
    incoming,
    ...(live ? { live } : {}),
    templateChanged: oldObject !== undefined && templateChangedBeyondChecksum(kindSpec, oldObject, object),
    desired: desired?.kind === 'covered' ? desired.checksum : undefined,
    // Only the webhook needs it, and only when a Secret counts (otherwise it equals `desired`).
    fromGit: desired?.kind === 'covered' && desired.sources.some((s) => s.kind === 'Secret') ? configMapChecksum(desired.sources) : undefined,
    synced: desired !== undefined,
    ownWrite: request.fieldManager === FIELD_MANAGER,
  });

  const fields = { workload: `${kind}/${incoming.namespace}/${incoming.name}`, operation, reason: admission.reason, dryRun: request.dryRun };
  if (admission.kind === 'patch') {
    ctx.logger[request.dryRun ? 'debug' : 'info']({ ...fields, checksum: admission.checksum ?? null }, admission.message);
  } else {
    ctx.logger.debug(fields, admission.message);
  }
  return { review: admissionResponse(request.uid, admission.kind === 'patch' ? admission.ops : []), kind, operation, outcome: admission.reason };
}

/** A CREATE's object may not carry its namespace yet; the request always names it. */
function inNamespace(facts: WorkloadFacts, namespace: string): WorkloadFacts {
  return facts.namespace === '' ? { ...facts, namespace } : facts;
}
