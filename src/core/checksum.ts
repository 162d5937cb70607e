import { createHash, createHmac } from 'node:crypto';
import objectHash from 'object-hash';
import type { SourceKind } from '../api/constants.ts';
import { compareCodePoints } from './order.ts';
import type { ContentDigest, KeyScope, ScopedSource } from './types.ts';

/** Bump when the hashed structure changes; older values then read as "not comparable", never as "changed". */
export const CHECKSUM_FORMAT_VERSION = 'v1';

const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;
const CHECKSUM_PATTERN = /^(v[0-9]+)\.(?:([0-9a-f]{8})\.)?([0-9a-f]+)$/;
const V1_HASH_LENGTH = 64;

/**
 * Per-key SHA-256 of a ConfigMap. binaryData values are hashed as the base64 text the API
 * returns: that text is canonical (the API server encodes it), and no decoding step can differ.
 */
export function digestConfigMapContent(cm: {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}): ContentDigest {
  const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('base64');
  return { data: digestValues(cm.data, sha256), binaryData: digestValues(cm.binaryData, sha256) };
}

/**
 * Per-key HMAC-SHA256 of a Secret, keyed with the install's key: a plain hash of a short
 * password in a pod annotation could be brute-forced by anyone who can read Deployments.
 */
export function digestSecretContent(secret: { data?: Record<string, string> }, hmacKey: Buffer): ContentDigest {
  if (hmacKey.length === 0) {
    throw new RangeError('the HMAC key is empty; Secret checksums need a random per-install key');
  }
  return {
    data: digestValues(secret.data, (value) => createHmac('sha256', hmacKey).update(value, 'utf8').digest('base64')),
    binaryData: {},
  };
}

/** Names the key in checksums so a replaced key is recognised, without revealing anything about it. */
export function hmacKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * The checksum a workload's pod template carries: `v1.<hex>`, or `v1.<keyId>.<hex>` when a
 * Secret contributes, so a checksum made under a lost or rotated key is seen as incomparable
 * (and re-baselined) instead of as a content change that would roll every workload at once.
 */
export function workloadChecksum(sources: readonly ScopedSource[], hmacKeyId: string): string {
  const ordered = [...sources].sort(
    (a, b) => compareCodePoints(a.kind, b.kind) || compareCodePoints(a.name, b.name),
  );
  const canonical = {
    version: CHECKSUM_FORMAT_VERSION,
    sources: ordered.map((source) =>
      source.digest === undefined
        ? { kind: source.kind, name: source.name, absent: true }
        : {
            kind: source.kind,
            name: source.name,
            data: inScope(source.digest.data, source.scope),
            binaryData: inScope(source.digest.binaryData, source.scope),
          },
    ),
  };
  const hex = objectHash(canonical, {
    algorithm: 'sha256',
    encoding: 'hex',
    unorderedObjects: true,
    unorderedArrays: false,
    respectType: false,
  });
  const usesSecret = sources.some((source) => source.kind === 'Secret');
  if (!usesSecret) return `${CHECKSUM_FORMAT_VERSION}.${hex}`;
  if (!KEY_ID_PATTERN.test(hmacKeyId)) {
    throw new RangeError(`HMAC key id "${hmacKeyId}" is not 8 lowercase hex characters; use hmacKeyId(key)`);
  }
  return `${CHECKSUM_FORMAT_VERSION}.${hmacKeyId}.${hex}`;
}

/**
 * The checksum `confighash render` writes from Git: over the workload's ConfigMaps only
 * (Git rarely holds Secrets, and their digests are keyed per install). Undefined when no
 * ConfigMap counts or one is missing, as render then leaves the workload unstamped. Equal
 * to workloadChecksum when no Secret counts.
 */
export function configMapChecksum(sources: readonly ScopedSource[]): string | undefined {
  const configMaps = sources.filter((source) => source.kind === 'ConfigMap');
  if (configMaps.length === 0 || configMaps.some((source) => source.digest === undefined)) return undefined;
  return workloadChecksum(configMaps, '');
}

/**
 * Checksums of whole objects, per digest object: every status reconcile asks for each listed
 * source's, and a digest object is replaced, never changed, when its object changes.
 */
const sourceChecksums = new WeakMap<ContentDigest, Map<string, string>>();

/** The checksum of one whole object, for AppConfig status. */
export function sourceChecksum(kind: SourceKind, name: string, digest: ContentDigest, hmacKeyId: string): string {
  let known = sourceChecksums.get(digest);
  if (known === undefined) {
    known = new Map<string, string>();
    sourceChecksums.set(digest, known);
  }
  const key = JSON.stringify([kind, name, hmacKeyId]);
  let checksum = known.get(key);
  if (checksum === undefined) {
    checksum = workloadChecksum([{ kind, name, scope: { kind: 'all' }, digest }], hmacKeyId);
    known.set(key, checksum);
  }
  return checksum;
}

export function parseChecksum(
  value: string | undefined,
): { version: string; keyId: string | null; hash: string } | null {
  if (value === undefined) return null;
  const match = CHECKSUM_PATTERN.exec(value);
  if (match === null) return null;
  const [, version = '', keyId, hash = ''] = match;
  if (version === CHECKSUM_FORMAT_VERSION && hash.length !== V1_HASH_LENGTH) return null;
  return { version, keyId: keyId ?? null, hash };
}

/** Whether `value` can be compared with a checksum computed now: same format and, if keyed, same key. */
export function isComparable(value: string | undefined, currentKeyId: string): boolean {
  const parsed = parseChecksum(value);
  if (parsed === null || parsed.version !== CHECKSUM_FORMAT_VERSION) return false;
  return parsed.keyId === null || parsed.keyId === currentKeyId;
}

/*
 * Records are built with Object.fromEntries, never `out[key] = ...`: "__proto__" is a valid
 * ConfigMap key, and assigning it would set the prototype and drop the key from the hash.
 */
function digestValues(
  values: Record<string, string> | undefined,
  digest: (value: string) => string,
): Record<string, string> {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => compareCodePoints(a, b));
  return Object.fromEntries(entries.map(([key, value]) => [key, digest(value)]));
}

function inScope(digests: Readonly<Record<string, string>>, scope: KeyScope): Record<string, string> {
  const wanted = scope.kind === 'all' ? null : new Set(scope.keys);
  const entries = Object.entries(digests)
    .filter(([key]) => wanted === null || wanted.has(key))
    .sort(([a], [b]) => compareCodePoints(a, b));
  return Object.fromEntries(entries);
}
