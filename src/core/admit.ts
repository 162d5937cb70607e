import type { Operation } from 'fast-json-patch';
import { checksumPointer, templateChecksumOps } from './patch.ts';
import type { WorkloadFacts } from './types.ts';

export type AdmitOperation = 'CREATE' | 'UPDATE';

export interface AdmitInput {
  readonly operation: AdmitOperation;
  /** The object as this request would store it. */
  readonly incoming: WorkloadFacts;
  /** UPDATE: the object as it is stored now. */
  readonly live?: WorkloadFacts;
  /** UPDATE: the pod template differs from the live one in more than the checksum, so it rolls the pods by itself. */
  readonly templateChanged: boolean;
  /** The checksum the incoming object's sources have now; undefined when no AppConfig covers it. */
  readonly desired: string | undefined;
  /**
   * The checksum `confighash render` writes from Git for the same sources (ConfigMaps only);
   * it differs from `desired` when a Secret counts. Undefined when render would not stamp.
   */
  readonly fromGit?: string | undefined;
  /** Whether the controller's memory is a full picture yet (its initial lists are in). */
  readonly synced: boolean;
  /** The request is confighash's own write (field manager confighash): that write is the rollout. */
  readonly ownWrite: boolean;
}

export type AllowReason = 'NotSynced' | 'Ignored' | 'NotCovered' | 'OwnWrite' | 'InSync' | 'FromGit' | 'Unchanged' | 'CurrentContent';
export type PatchReason = 'Created' | 'KeptLive' | 'TemplateChanged';

/** What the webhook answers: always allowed; with JSON Patch ops, or as it came. */
export type Admission =
  | { readonly kind: 'allow'; readonly reason: AllowReason; readonly message: string }
  | {
      readonly kind: 'patch';
      readonly reason: PatchReason;
      /** The checksum the pod template carries after the patch; undefined when the patch removes it. */
      readonly checksum: string | undefined;
      readonly ops: Operation[];
      readonly message: string;
    };

/** What a rule sees: the input, and the facts derived from it once. */
interface Situation {
  readonly input: AdmitInput;
  readonly who: string;
  /** The desired checksum; only read by the rows after the one for uncovered workloads. */
  readonly desired: string;
  readonly incoming: string | undefined;
  readonly live: string | undefined;
}

interface Rule {
  /** The case, as docs/webhook.md and the unit tests name it. */
  readonly case: string;
  readonly when: (s: Situation) => boolean;
  readonly then: (s: Situation) => Admission;
}

/**
 * The admission webhook's promise as a table, read top to bottom; the first row that matches
 * decides. A new workload starts with the checksum of the content it will read, so adopting it
 * writes nothing. An update that drops or changes the checksum (a replace, an apply of a
 * manifest that never mentions it) gets the live one back when nothing else in the pod template
 * changed, so the write rolls nothing by itself: content changes stay the controller's to roll,
 * after its quiet period. When the template changed anyway, its new pods read the content as it
 * is now, and the checksum says so.
 */
export const ADMISSION_TABLE: readonly Rule[] = [
  {
    case: 'the controller has not listed everything yet: allowed as it is',
    when: (s) => !s.input.synced,
    then: (s) => allow('NotSynced', `${s.who}: the initial sync is not complete; admitted without a checksum`),
  },
  {
    case: 'opted out with confighash.dev/ignore: never touched',
    when: (s) => s.input.incoming.ignored,
    then: (s) => allow('Ignored', `${s.who} is annotated confighash.dev/ignore=true; admitted as it is`),
  },
  {
    case: 'no AppConfig covers it: never touched',
    when: (s) => s.input.desired === undefined,
    then: (s) => allow('NotCovered', `${s.who} is not covered by an AppConfig; admitted as it is`),
  },
  {
    case: "confighash's own write: it is the rollout",
    when: (s) => s.input.ownWrite,
    then: (s) => allow('OwnWrite', `${s.who}: confighash's own write; admitted as it is`),
  },
  {
    case: 'created with the current checksum already',
    when: (s) => s.input.operation === 'CREATE' && s.incoming === s.desired,
    then: (s) => allow('InSync', `${s.who} is created with the current checksum ${s.desired}`),
  },
  {
    case: 'created with the checksum confighash render writes from Git (ConfigMaps only): kept, so Git and the cluster agree',
    when: (s) => s.input.operation === 'CREATE' && s.incoming !== undefined && s.incoming === s.input.fromGit,
    then: (s) => allow('FromGit', `${s.who} is created with the checksum rendered from Git ${s.incoming ?? ''}; kept`),
  },
  {
    case: 'created: starts with the current checksum',
    when: (s) => s.input.operation === 'CREATE',
    then: (s) => setTo(s, s.desired, 'Created', `${s.who} is created with checksum ${s.desired}`),
  },
  {
    case: 'updated with the checksum the live object has: nothing to do',
    when: (s) => s.live !== undefined && s.incoming === s.live,
    then: (s) => allow('Unchanged', `${s.who} keeps its checksum ${s.live}`),
  },
  {
    case: 'updated to the current checksum: what the controller would write',
    when: (s) => s.incoming === s.desired,
    then: (s) => allow('CurrentContent', `${s.who} is updated to the current checksum ${s.desired}`),
  },
  {
    case: 'the pod template changed, and it carries the checksum confighash render writes from Git: kept, so Git and the cluster agree',
    when: (s) => s.input.templateChanged && s.incoming !== undefined && s.incoming === s.input.fromGit,
    then: (s) => allow('FromGit', `${s.who}: its pod template changed, which rolls the pods; it carries the checksum rendered from Git ${s.incoming ?? ''}, kept`),
  },
  {
    case: 'neither the live nor the incoming template has a checksum, and nothing else changed: nothing to do',
    when: (s) => !s.input.templateChanged && s.incoming === undefined && s.live === undefined,
    then: (s) => allow('Unchanged', `${s.who}: its pod template did not change`),
  },
  {
    case: 'the checksum was dropped or changed, and nothing else in the pod template: keep the live one',
    when: (s) => !s.input.templateChanged,
    then: (s) =>
      s.live === undefined
        ? {
            kind: 'patch',
            reason: 'KeptLive',
            checksum: undefined,
            ops: [{ op: 'remove', path: checksumPointer(s.input.incoming) }],
            message: `${s.who}: only the checksum changed; kept the live pod template without one, so the write rolls nothing`,
          }
        : setTo(s, s.live, 'KeptLive', `${s.who}: only the checksum changed; kept the live checksum ${s.live}, so the write rolls nothing`),
  },
  {
    case: 'the pod template changed, and with it the checksum: its new pods read the current content',
    when: () => true,
    then: (s) => setTo(s, s.desired, 'TemplateChanged', `${s.who}: its pod template changed, which rolls the pods; they read the current content, checksum ${s.desired}`),
  },
];

export function admit(input: AdmitInput): Admission {
  const situation = situationOf(input);
  // The last row always matches; the fallback only satisfies the type checker.
  return (ADMISSION_TABLE.find((row) => row.when(situation)) ?? ADMISSION_TABLE[ADMISSION_TABLE.length - 1]!).then(situation);
}

/** Which row of the table decides: for logs and tests. */
export function admittingCase(input: AdmitInput): string {
  const situation = situationOf(input);
  return ADMISSION_TABLE.find((row) => row.when(situation))?.case ?? '';
}

function situationOf(input: AdmitInput): Situation {
  const { incoming, live } = input;
  return {
    input,
    who: `${incoming.kind} ${incoming.namespace}/${incoming.name}`,
    desired: input.desired ?? '',
    incoming: incoming.templateChecksum,
    live: live?.templateChecksum,
  };
}

function allow(reason: AllowReason, message: string): Admission {
  return { kind: 'allow', reason, message };
}

/**
 * The controller's own patch without its `test` ops: an admission patch applies to exactly the
 * object the webhook was shown, so there is nothing to guard against, and a failed test would
 * fail the user's request.
 */
function setTo(s: Situation, checksum: string, reason: PatchReason, message: string): Admission {
  return { kind: 'patch', reason, checksum, ops: templateChecksumOps(s.input.incoming, checksum).filter((op) => op.op !== 'test'), message };
}
