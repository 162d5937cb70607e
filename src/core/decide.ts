import type { Operation } from 'fast-json-patch';
import type { RecordPlacement, WorkloadRecordSpec } from '../api/workload-record.ts';
import { templateChecksumOps } from './patch.ts';
import { OPEN_GATE, type RolloutGate } from './rollout-gate.ts';
import { knownContent } from './baseline.ts';
import { contentChanges, deletedSources, describeChange, recordSources, recordUpToDate, type ContentChange } from './record.ts';
import type { CountedSource, WorkloadFacts } from './types.ts';

export type Decision =
  | { kind: 'noop'; reason: 'InSync' | 'Baselined' | 'MissingReference' | 'Ignored'; checksum: string; message: string }
  | {
      /** A roll is due, but a rollout gate holds it back: nothing is written, the change stays pending. */
      kind: 'hold';
      reason: 'WouldRoll' | 'Waiting' | 'Halted';
      checksum: string;
      previous?: string;
      changes: readonly ContentChange[];
      message: string;
    }
  | {
      kind: 'record';
      reason: 'Adopted' | 'ScopeChanged' | 'TemplateChanged' | 'AlreadyRolled' | 'Rebaselined' | 'UntrustedRecord';
      checksum: string;
      record: WorkloadRecordSpec;
      message: string;
    }
  | {
      kind: 'roll';
      reason: 'ContentChanged' | 'RolledOnAdoption';
      checksum: string;
      previous?: string;
      changes: readonly ContentChange[];
      ops: Operation[];
      record: WorkloadRecordSpec;
      message: string;
    };

export interface DecideInput {
  readonly workload: WorkloadFacts;
  /** confighash's record of what the pods run with; ignored unless it is for this workload UID. */
  readonly record: WorkloadRecordSpec | undefined;
  /**
   * What the pods can have read, for a workload without a usable record: the content of its
   * sources when confighash became responsible for it (the initial sync, its creation or last
   * template change, the moment an AppConfig began to cover it), kept in memory until its
   * record is written. A change made between then and adoption is a change the pods have not
   * seen, so adoption rolls for it instead of taking it as the baseline. Ignored unless it is
   * for this workload UID. See core/baseline.ts.
   */
  readonly baseline?: WorkloadRecordSpec;
  /** The checksum the workload's sources have now. */
  readonly desired: string;
  /** The sources that count now, with their scopes, digests and change stamps. */
  readonly sources: readonly CountedSource[];
  /** hmacKeyId() of the key in use: Secret digests made under another key are not comparable. */
  readonly currentKeyId: string;
  /** Roll a workload the first time it is seen, instead of only recording it. */
  readonly rollOnAdoption: boolean;
  /** RFC 3339, for the record of a rollout: core has no clock. */
  readonly now: string;
  /** Whether a roll may happen now (dry-run, suspend, staged rollouts); default open. */
  readonly gate?: RolloutGate;
  /** Field managers other than confighash that wrote the record's spec: then it is not trusted. */
  readonly recordWrittenBy?: readonly string[];
}

/** What a rule sees: the input and the facts derived from it once. */
interface Situation {
  readonly input: DecideInput;
  readonly who: string;
  /** The stored record, when it is this workload's. */
  readonly record: WorkloadRecordSpec | undefined;
  /** What content changes are measured against: the record, the adoption baseline, or both (core/baseline.ts). */
  readonly known: WorkloadRecordSpec | undefined;
  readonly changes: readonly ContentChange[];
  readonly deleted: readonly string[];
  readonly missing: readonly string[];
  readonly templateCarriesDesired: boolean;
  /** The pod template changed (and so rolled the pods) after every content change: they read it. */
  readonly templateRolledAfterChanges: boolean;
}

interface Rule {
  /** The case, as docs/behaviour.md and the unit tests name it. */
  readonly case: string;
  readonly when: (s: Situation) => boolean;
  readonly then: (s: Situation) => Decision;
}

/**
 * The product's promise as a table, read top to bottom; the first row that matches decides.
 * A workload rolls only when the content of a source that it counted before and counts now
 * changed, and no pod-template change after it already restarted the pods. Changes of scope
 * (sources or keys that start or stop counting) and of the template itself only update the
 * record; so do re-applies, restarts and failovers, which change nothing at all.
 */
export const DECISION_TABLE: readonly Rule[] = [
  {
    case: 'opted out with confighash.dev/ignore: never written',
    when: (s) => s.input.workload.ignored,
    then: (s) => ({ kind: 'noop', reason: 'Ignored', checksum: s.input.desired, message: `${s.who} is annotated confighash.dev/ignore=true; confighash writes nothing for it` }),
  },
  {
    // Its digests cannot be believed either way: rolling would let whoever wrote it force a
    // rollout, and trusting it would let them suppress one. So it is re-baselined like a first sight.
    case: 'the record was written by someone other than confighash: re-baseline it, no rollout',
    when: (s) => s.input.record !== undefined && (s.input.recordWrittenBy ?? []).length > 0,
    then: (s) => untrusted(s),
  },
  {
    case: 'first sight with --roll-on-adoption: roll once',
    when: (s) => s.record === undefined && s.input.rollOnAdoption && s.missing.length === 0 && !s.templateCarriesDesired,
    then: (s) => roll(s, 'RolledOnAdoption', `Rolling ${s.who} on adoption (roll-on-adoption is enabled) to checksum ${s.input.desired}`),
  },
  {
    case: 'first sight, and nothing is known of what the pods read: record what they run with now, no rollout',
    when: (s) => s.known === undefined,
    then: (s) => record(s, 'Adopted', `Adopted ${s.who} without a rollout; recorded checksum ${s.input.desired}`),
  },
  {
    case: 'a counted source was deleted: wait for it, roll nothing',
    when: (s) => s.deleted.length > 0,
    then: (s) => ({
      kind: 'noop',
      reason: 'MissingReference',
      checksum: s.input.desired,
      message: `${s.who} waits for ${s.deleted.join(', ')}; nothing is rolled while a counted object is missing`,
    }),
  },
  {
    case: 'content changed, and the template already carries the new checksum',
    when: (s) => s.changes.length > 0 && s.templateCarriesDesired,
    then: (s) => record(s, 'AlreadyRolled', `${s.who}: ${changed(s)}; its pod template already carries checksum ${s.input.desired}`),
  },
  {
    case: 'content changed, then the pod template changed: the template change rolled the pods',
    when: (s) => s.changes.length > 0 && s.templateRolledAfterChanges,
    then: (s) =>
      record(s, 'TemplateChanged', `${s.who}: ${changed(s)}, and its pod template changed after that, which restarted the pods; recorded checksum ${s.input.desired} instead of rolling again`),
  },
  {
    case: 'first sight, but content changed after confighash became responsible for the workload: roll once',
    when: (s) => s.record === undefined && s.changes.length > 0,
    then: (s) =>
      roll(s, 'ContentChanged', `Rolling ${s.who}: ${changed(s)} after confighash began to cover it and before it was adopted; checksum ${s.known?.checksum ?? '(none)'} -> ${s.input.desired}`),
  },
  {
    case: 'content changed: roll once',
    when: (s) => s.changes.length > 0,
    then: (s) => roll(s, 'ContentChanged', `Rolling ${s.who}: ${changed(s)}; checksum ${s.record?.checksum ?? '(none)'} -> ${s.input.desired}`),
  },
  {
    case: 'first sight, no content change since confighash became responsible for it: record what the pods run with, no rollout',
    when: (s) => s.record === undefined,
    then: (s) => record(s, 'Adopted', `Adopted ${s.who} without a rollout; recorded checksum ${s.input.desired}`),
  },
  {
    case: 'scope, key or template placement changed without a content change: update the record only',
    when: (s) => s.record !== undefined && !recordUpToDate(s.record, nextRecordContent(s)),
    then: (s) => record(s, rebaselineReason(s), rebaselineMessage(s)),
  },
  {
    case: 'the template carries the checksum: in sync',
    when: (s) => s.templateCarriesDesired,
    then: (s) => ({ kind: 'noop', reason: 'InSync', checksum: s.input.desired, message: `${s.who} already has checksum ${s.input.desired}` }),
  },
  {
    case: 'the record has the checksum: baselined',
    when: () => true,
    then: (s) => ({ kind: 'noop', reason: 'Baselined', checksum: s.input.desired, message: `${s.who} is at its recorded checksum ${s.input.desired}` }),
  },
];

export function decide(input: DecideInput): Decision {
  const situation = situationOf(input);
  const rule = DECISION_TABLE.find((row) => row.when(situation));
  // The last row always matches; the fallback only satisfies the type checker.
  return (rule ?? DECISION_TABLE[DECISION_TABLE.length - 1]!).then(situation);
}

/** Which row of the table decides: for logs and tests. */
export function decidingCase(input: DecideInput): string {
  const situation = situationOf(input);
  return DECISION_TABLE.find((row) => row.when(situation))?.case ?? '';
}

function situationOf(input: DecideInput): Situation {
  const { workload, desired, sources, currentKeyId } = input;
  const record = input.record?.workload.uid === workload.uid ? input.record : undefined;
  const baseline = input.baseline?.workload.uid === workload.uid ? input.baseline : undefined;
  const known = knownContent(record, baseline, currentKeyId);
  const changes = known ? contentChanges(known, sources, currentKeyId) : [];
  const changedAt = workload.templateChangedAt;
  return {
    input,
    who: `${workload.kind} ${workload.namespace}/${workload.name}`,
    record,
    known,
    changes,
    deleted: known ? deletedSources(known, sources).map((s) => `${s.kind}/${s.name}`) : [],
    missing: sources.filter((s) => s.digest === undefined).map((s) => `${s.kind}/${s.name}`),
    templateCarriesDesired: workload.templateChecksum === desired,
    templateRolledAfterChanges: changedAt !== undefined && changes.every((change) => change.changedAt < changedAt),
  };
}

function placementOf(s: Situation): RecordPlacement {
  return s.templateCarriesDesired ? 'Template' : 'Baseline';
}

function nextRecordContent(s: Situation, placement: RecordPlacement = placementOf(s)): Omit<WorkloadRecordSpec, 'workload' | 'lastRollout'> {
  return recordContent(s.input, placement);
}

type RecordInput = Pick<DecideInput, 'workload' | 'desired' | 'sources' | 'currentKeyId'>;

function recordContent(input: RecordInput, placement: RecordPlacement): Omit<WorkloadRecordSpec, 'workload' | 'lastRollout'> {
  const usesSecret = input.sources.some((source) => source.kind === 'Secret');
  return {
    checksum: input.desired,
    placement,
    ...(usesSecret ? { keyId: input.currentKeyId } : {}),
    sources: recordSources(input.sources),
  };
}

/** The record that adoption would write now, if nothing changed before it: an adoption baseline (core/baseline.ts). */
export function adoptionRecord(input: RecordInput): WorkloadRecordSpec {
  const { workload } = input;
  const placement = workload.templateChecksum === input.desired ? 'Template' : 'Baseline';
  return { workload: { kind: workload.kind, name: workload.name, uid: workload.uid }, ...recordContent(input, placement) };
}

function record(s: Situation, reason: Extract<Decision, { kind: 'record' }>['reason'], message: string): Decision {
  const { workload } = s.input;
  const lastRollout = s.record?.lastRollout;
  return {
    kind: 'record',
    reason,
    checksum: s.input.desired,
    record: { workload: { kind: workload.kind, name: workload.name, uid: workload.uid }, ...nextRecordContent(s), ...(lastRollout ? { lastRollout } : {}) },
    message,
  };
}

function untrusted(s: Situation): Decision {
  const { workload } = s.input;
  const writers = (s.input.recordWrittenBy ?? []).join(', ');
  return {
    kind: 'record',
    reason: 'UntrustedRecord',
    checksum: s.input.desired,
    // Nothing of the untrusted record is kept, not even its last rollout.
    record: { workload: { kind: workload.kind, name: workload.name, uid: workload.uid }, ...nextRecordContent(s) },
    message: `${s.who}: its WorkloadRecord was written by ${writers}, not by confighash, so it is not trusted; re-baselined it at checksum ${s.input.desired} without a rollout`,
  };
}

function roll(s: Situation, reason: Extract<Decision, { kind: 'roll' }>['reason'], message: string): Decision {
  const { workload, desired, now } = s.input;
  const previous = s.known?.checksum;
  const gate = s.input.gate ?? OPEN_GATE;
  if (gate.kind === 'hold') {
    return {
      kind: 'hold',
      reason: gate.reason,
      checksum: desired,
      ...(previous !== undefined ? { previous } : {}),
      changes: s.changes,
      message: `${s.who} would roll (${message.replace(/^Rolling [^:]+: /, '')}), but ${gate.message}`,
    };
  }
  return {
    kind: 'roll',
    reason,
    checksum: desired,
    ...(previous !== undefined ? { previous } : {}),
    changes: s.changes,
    ops: templateChecksumOps(workload, desired),
    record: {
      workload: { kind: workload.kind, name: workload.name, uid: workload.uid },
      ...nextRecordContent(s, 'Template'),
      lastRollout: { time: now, changed: s.changes.map(describeChange), ...(previous !== undefined ? { from: previous } : {}), to: desired },
    },
    message,
  };
}

function changed(s: Situation): string {
  return `${s.changes.map(describeChange).join(', ')} changed`;
}

function rebaselineReason(s: Situation): 'ScopeChanged' | 'Rebaselined' {
  const before = s.record?.sources.map((source) => `${source.kind}/${source.name}:${source.keys?.join(',') ?? '*'}`).join(' ');
  const after = nextRecordContent(s).sources.map((source) => `${source.kind}/${source.name}:${source.keys?.join(',') ?? '*'}`).join(' ');
  return before === after ? 'Rebaselined' : 'ScopeChanged';
}

function rebaselineMessage(s: Situation): string {
  const reason = rebaselineReason(s);
  if (reason === 'ScopeChanged') {
    return `${s.who}: the sources or keys that count changed, but no content they counted before; recorded checksum ${s.input.desired} without a rollout`;
  }
  if (s.record?.keyId !== undefined && s.record.keyId !== s.input.currentKeyId) {
    return `${s.who}: its record was made under HMAC key ${s.record.keyId}, not the current key ${s.input.currentKeyId}; recorded checksum ${s.input.desired} without a rollout`;
  }
  return `${s.who}: recorded checksum ${s.input.desired} (${placementOf(s) === 'Template' ? 'the pod template carries it' : 'the pod template does not carry it'}) without a rollout`;
}
