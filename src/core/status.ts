import type { AppConfigStatus, Condition, SourceStatus, TargetStatus } from '../api/appconfig.ts';
import { compareCodePoints } from './order.ts';
import { isRecord } from './is-record.ts';

export const READY_CONDITION = 'Ready';
export const HALTED_CONDITION = 'RolloutHalted';

/**
 * At most this many targets are listed in status, those that need attention first: a
 * broad selector over thousands of workloads would otherwise make a status larger than the
 * apiserver accepts, and its write would fail for ever. `targetCount` counts them all.
 */
export const MAX_STATUS_TARGETS = 100;

const SETTLED_TARGET_REASONS = new Set(['InSync', 'Baselined', 'Ignored']);

export interface StatusInput {
  /** metadata.generation of the AppConfig these facts were computed for. */
  readonly generation: number;
  readonly previous: AppConfigStatus | undefined;
  /** RFC 3339 time, passed in because core has no clock. */
  readonly now: string;
  readonly specProblems: readonly string[];
  /** Every listed source; `checksum` absent while the object does not exist. */
  readonly sources: readonly SourceStatus[];
  readonly targets: readonly TargetStatus[];
  /** Covered workloads whose writes keep failing (retried with backoff), with why. */
  readonly failures?: readonly { readonly kind: string; readonly name: string; readonly message: string }[];
  /** Workloads spec.workloads.names lists that do not exist ("Deployment/web"). */
  readonly missingWorkloads?: readonly string[];
  /** Present when spec.rollout is set: the failed rollouts that halt it ("Deployment/web@<checksum>"). */
  readonly rollout?: { readonly halted: readonly string[] };
  /** The resume annotation value consumed, and the failures it acknowledged. */
  readonly resume?: { readonly with: string; readonly acknowledged: readonly string[] };
  /** The roll-now annotation value consumed: nothing pending rolls outside the windows any more for it. */
  readonly rolledNowWith?: string;
}

/** The AppConfig status for these facts: the same facts always give an equal status. */
export function buildStatus(input: StatusInput): AppConfigStatus {
  const sources = [...input.sources].map(copySource).sort(byKindThenName);
  const targets = [...input.targets].map(copyTarget).sort(byAttentionThenKindThenName);
  const listed = targets.slice(0, MAX_STATUS_TARGETS);
  const ready = readyCondition(input, sources);
  const halted = input.rollout ? [haltedCondition(input, input.rollout.halted)] : [];
  return {
    observedGeneration: input.generation,
    conditions: [ready, ...halted],
    sources,
    targets: listed,
    sourceCount: sources.length,
    targetCount: targets.length,
    ...(targets.length > listed.length ? { targetsOmitted: targets.length - listed.length } : {}),
    ...(input.rollout
      ? { rollingCount: targets.filter((t) => t.reason === 'Rolling').length, haltedCount: input.rollout.halted.length }
      : {}),
    ...(input.resume ? { resumedWith: input.resume.with, acknowledgedFailures: [...input.resume.acknowledged].sort(compareCodePoints) } : {}),
    ...(input.rolledNowWith !== undefined ? { rolledNowWith: input.rolledNowWith } : {}),
  };
}

/**
 * Whether `next` differs from what is stored, so a steady state writes nothing. Fields that
 * are `undefined` count as absent: the API server drops them, so they never come back.
 */
export function statusChanged(previous: AppConfigStatus | undefined, next: AppConfigStatus): boolean {
  return !sameJson(previous ?? {}, next);
}

function readyCondition(input: StatusInput, sources: readonly SourceStatus[]): Condition {
  const missing = sources.filter((source) => source.checksum === undefined);
  let status: Condition['status'];
  let reason: string;
  let message: string;
  if (input.specProblems.length > 0) {
    status = 'False';
    reason = 'InvalidSpec';
    message = `The spec is invalid: ${input.specProblems.join('; ')}`;
  } else if ((input.failures ?? []).length > 0) {
    const failures = [...(input.failures ?? [])].sort(byKindThenName);
    status = 'False';
    reason = 'ReconcileFailed';
    const [first] = failures;
    const others = failures.length > 1 ? ` (and ${count(failures.length - 1, 'other workload')})` : '';
    message = `Cannot bring ${first?.kind} ${first?.name} in line${others}, retrying with backoff: ${first?.message}`;
  } else if ((input.missingWorkloads ?? []).length > 0) {
    status = 'False';
    reason = 'WorkloadNotFound';
    message = `spec.workloads.names lists workloads that do not exist in this namespace: ${[...(input.missingWorkloads ?? [])].sort(compareCodePoints).join(', ')}`;
  } else if (missing.length > 0) {
    status = 'False';
    reason = 'MissingReference';
    const names = missing.map((source) => `${source.kind} "${source.name}"`).join(', ');
    const them = missing.length === 1 ? 'it' : 'them';
    message = `Not found in this namespace: ${names}; create ${them} or remove ${them} from the spec`;
  } else {
    status = 'True';
    reason = 'Ready';
    message = `Tracking ${count(sources.length, 'source')} for ${count(input.targets.length, 'workload')}`;
  }
  const before = input.previous?.conditions?.find((condition) => condition.type === READY_CONDITION);
  const unchanged = before !== undefined && before.status === status && before.reason === reason;
  return {
    type: READY_CONDITION,
    status,
    reason,
    message,
    lastTransitionTime: unchanged ? before.lastTransitionTime : input.now,
    observedGeneration: input.generation,
  };
}

function haltedCondition(input: StatusInput, halted: readonly string[]): Condition {
  const isHalted = halted.length > 0;
  const before = input.previous?.conditions?.find((condition) => condition.type === HALTED_CONDITION);
  const status: Condition['status'] = isHalted ? 'True' : 'False';
  const unchanged = before !== undefined && before.status === status;
  return {
    type: HALTED_CONDITION,
    status,
    reason: isHalted ? 'RolloutFailed' : 'NotHalted',
    message: isHalted
      ? `Rolled nothing more after ${[...halted].sort(compareCodePoints).join(', ')} failed to become available; fix the workload, change the content again, or set a new confighash.dev/resume annotation value`
      : 'No failed rollout holds back this AppConfig',
    lastTransitionTime: unchanged ? before.lastTransitionTime : input.now,
    observedGeneration: input.generation,
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function byAttentionThenKindThenName(a: TargetStatus, b: TargetStatus): number {
  const settled = (t: TargetStatus): number => (SETTLED_TARGET_REASONS.has(t.reason) ? 1 : 0);
  return settled(a) - settled(b) || byKindThenName(a, b);
}

function byKindThenName(a: { kind: string; name: string }, b: { kind: string; name: string }): number {
  return compareCodePoints(a.kind, b.kind) || compareCodePoints(a.name, b.name);
}

/** Copies only the known fields, leaving out undefined ones, so statuses compare and serialise cleanly. */
function copySource(source: SourceStatus): SourceStatus {
  return withoutUndefined({ kind: source.kind, name: source.name, checksum: source.checksum });
}

function copyTarget(target: TargetStatus): TargetStatus {
  return withoutUndefined({
    kind: target.kind,
    name: target.name,
    checksum: target.checksum,
    lastRolloutTime: target.lastRolloutTime,
    lastRollout: target.lastRollout,
    reason: target.reason,
    nextWindow: target.nextWindow,
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keysA = definedKeys(a);
    const keysB = definedKeys(b);
    return keysA.length === keysB.length && keysA.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return Object.is(a, b);
}

function definedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).filter((key) => record[key] !== undefined);
}
