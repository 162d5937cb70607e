import type { Operation } from 'fast-json-patch';
import { CHECKSUM_FORMAT_VERSION, isComparable, parseChecksum } from './checksum.ts';
import { baselineOps, removeBaselineOps, templateChecksumOps } from './patch.ts';
import type { WorkloadFacts } from './types.ts';

export type Decision =
  | { kind: 'noop'; reason: 'InSync' | 'Baselined' | 'MissingReference'; checksum: string; message: string }
  | { kind: 'baseline'; reason: 'Adopted' | 'Rebaselined'; checksum: string; ops: Operation[]; message: string }
  | {
      kind: 'roll';
      reason: 'ContentChanged' | 'RolledOnAdoption';
      checksum: string;
      previous?: string;
      ops: Operation[];
      message: string;
    };

export interface DecideInput {
  /** The checksum the workload's sources have now. */
  readonly desired: string;
  readonly workload: WorkloadFacts;
  /** hmacKeyId() of the key in use; checksums made under another key are not comparable. */
  readonly currentKeyId: string;
  /** Roll a workload the first time it is seen, instead of recording a baseline. */
  readonly rollOnAdoption: boolean;
  /** Listed objects that do not exist ("ConfigMap/web-config"); `desired` records them as absent. */
  readonly missing?: readonly string[];
}

/**
 * The product's promise: roll when, and only when, content changed since the workload last
 * got a checksum. A checksum that cannot be compared (other format version, lost or rotated
 * HMAC key) says nothing about content, so it leads to a new baseline, never to a rollout.
 */
export function decide(input: DecideInput): Decision {
  const { desired, workload, currentKeyId, rollOnAdoption } = input;
  const who = `${workload.kind} ${workload.namespace}/${workload.name}`;

  if (workload.templateChecksum === desired) {
    return { kind: 'noop', reason: 'InSync', checksum: desired, message: `${who} already has checksum ${desired}` };
  }

  const missing = input.missing ?? [];
  const recorded = isComparable(workload.templateChecksum, currentKeyId)
    ? workload.templateChecksum
    : isComparable(workload.baseline, currentKeyId)
      ? workload.baseline
      : undefined;

  if (missing.length > 0 && recorded !== undefined) {
    // A deleted object is not new content: wait for it, and compare again when it is back.
    return {
      kind: 'noop',
      reason: 'MissingReference',
      checksum: desired,
      message: `${who} waits for ${missing.join(', ')}; nothing is rolled while a listed object is missing`,
    };
  }

  if (recorded === undefined) {
    // A baseline, even an incomparable one, means confighash adopted this workload before:
    // rolling it now would be a rollout caused by a key or format change.
    const neverSeen = workload.templateChecksum === undefined && workload.baseline === undefined;
    if (rollOnAdoption && neverSeen && missing.length === 0) {
      return {
        kind: 'roll',
        reason: 'RolledOnAdoption',
        checksum: desired,
        ops: templateChecksumOps(workload, desired),
        message: `Rolling ${who} on adoption (roll-on-adoption is enabled) to checksum ${desired}`,
      };
    }
    const stale = workload.templateChecksum ?? workload.baseline;
    const staleField = workload.templateChecksum === undefined ? 'baseline' : 'pod-template checksum';
    return {
      kind: 'baseline',
      reason: neverSeen ? 'Adopted' : 'Rebaselined',
      checksum: desired,
      ops: baselineOps(workload, desired),
      message: neverSeen
        ? `Adopted ${who} without a rollout; recorded baseline ${desired}`
        : `${who} has a ${staleField} ${whyIncomparable(stale, currentKeyId)}; ` +
          `recorded baseline ${desired} instead of rolling`,
    };
  }

  if (recorded === desired) {
    return {
      kind: 'noop',
      reason: 'Baselined',
      checksum: desired,
      message: `${who} is at its recorded baseline ${desired}`,
    };
  }

  return {
    kind: 'roll',
    reason: 'ContentChanged',
    checksum: desired,
    previous: recorded,
    ops: [...templateChecksumOps(workload, desired), ...removeBaselineOps(workload)],
    message: `Rolling ${who}: content changed from ${recorded} to ${desired}`,
  };
}

/** Says why without quoting an unparseable value: annotations are user-writable, messages become Events. */
function whyIncomparable(value: string | undefined, currentKeyId: string): string {
  const parsed = parseChecksum(value);
  if (parsed === null) return 'that is not a confighash checksum';
  if (parsed.version !== CHECKSUM_FORMAT_VERSION) {
    return `in format ${parsed.version}, not ${CHECKSUM_FORMAT_VERSION}`;
  }
  return `made under HMAC key ${parsed.keyId ?? 'none'}, not the current key ${currentKeyId}`;
}
