import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { V1ConfigMap } from '@kubernetes/client-node';
import {
  CHECKSUM_FORMAT_VERSION,
  configMapChecksum,
  digestConfigMapContent,
  digestSecretContent,
  hmacKeyId,
  isComparable,
  parseChecksum,
  sourceChecksum,
  workloadChecksum,
} from '../../../src/core/checksum.ts';
import type { ContentDigest, KeyScope, ScopedSource } from '../../../src/core/types.ts';

const ALL: KeyScope = { kind: 'all' };
const KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const OTHER_KEY = Buffer.from('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100', 'hex');
const KEY_ID = hmacKeyId(KEY);

const configMap = (name: string, digest: ContentDigest, scope: KeyScope = ALL): ScopedSource => ({
  kind: 'ConfigMap',
  name,
  scope,
  digest,
});
const secret = (name: string, digest: ContentDigest, scope: KeyScope = ALL): ScopedSource => ({
  kind: 'Secret',
  name,
  scope,
  digest,
});
const cmChecksum = (data: Record<string, string>, scope: KeyScope = ALL): string =>
  workloadChecksum([configMap('web-config', digestConfigMapContent({ data }), scope)], KEY_ID);

describe('content digests', () => {
  it('ignores the order in which keys were written', () => {
    const forwards = digestConfigMapContent({ data: { a: '1', b: '2' }, binaryData: { x: 'AAE=', y: 'AgM=' } });
    const backwards = digestConfigMapContent({ data: { b: '2', a: '1' }, binaryData: { y: 'AgM=', x: 'AAE=' } });
    assert.deepEqual(forwards, backwards);
    assert.equal(workloadChecksum([configMap('c', forwards)], KEY_ID), workloadChecksum([configMap('c', backwards)], KEY_ID));
  });

  it('tells a key in data from the same key and value in binaryData', () => {
    const inData = digestConfigMapContent({ data: { logo: 'AAE=' } });
    const inBinary = digestConfigMapContent({ binaryData: { logo: 'AAE=' } });
    assert.notEqual(workloadChecksum([configMap('c', inData)], KEY_ID), workloadChecksum([configMap('c', inBinary)], KEY_ID));
  });

  it('ignores metadata: labels, annotations and resourceVersion never change the checksum', () => {
    const before: V1ConfigMap = { metadata: { name: 'web-config', resourceVersion: '1' }, data: { 'app.yaml': 'port: 80' } };
    const after: V1ConfigMap = {
      metadata: { name: 'web-config', resourceVersion: '9', labels: { touched: 'yes' }, annotations: { note: 'x' } },
      data: { 'app.yaml': 'port: 80' },
    };
    assert.equal(
      workloadChecksum([configMap('web-config', digestConfigMapContent(before))], KEY_ID),
      workloadChecksum([configMap('web-config', digestConfigMapContent(after))], KEY_ID),
    );
  });

  it('keeps values apart from keys, so no two contents can be glued into the same input', () => {
    assert.notEqual(cmChecksum({ a: 'b', c: 'd' }), cmChecksum({ a: 'b\nc=d' }));
    assert.notEqual(cmChecksum({ a: 'b;c' }), cmChecksum({ a: 'b', ';c': '' }));
    assert.notEqual(cmChecksum({ ab: 'c' }), cmChecksum({ a: 'bc' }));
  });

  it('counts a key named __proto__ like any other key', () => {
    // JSON.parse, like the API client, makes "__proto__" an own key; an object literal would not.
    const data = (value: string): Record<string, string> => JSON.parse(`{"__proto__":"${value}"}`);
    assert.deepEqual(Object.keys(digestConfigMapContent({ data: data('x') }).data), ['__proto__']);
    assert.notEqual(cmChecksum(data('one')), cmChecksum(data('two')));
    assert.notEqual(cmChecksum(data('one')), cmChecksum({}));
  });

  it('never keeps a value: digests are SHA-256 or HMAC, base64', () => {
    const digest = digestSecretContent({ data: { password: 'aHVudGVyMg==' } }, KEY);
    assert.match(digest.data.password ?? '', /^[A-Za-z0-9+/]{43}=$/);
    assert.doesNotMatch(JSON.stringify(digest), /aHVudGVyMg==|hunter2/);
    assert.deepEqual(digest.binaryData, {});
  });

  it('refuses an empty HMAC key', () => {
    assert.throws(() => digestSecretContent({ data: { a: 'Yg==' } }, Buffer.alloc(0)), RangeError);
  });
});

describe('workload checksums', () => {
  it('changes when a value changes and stays when nothing does', () => {
    assert.equal(cmChecksum({ a: '1' }), cmChecksum({ a: '1' }));
    assert.notEqual(cmChecksum({ a: '1' }), cmChecksum({ a: '2' }));
    assert.notEqual(cmChecksum({ a: '1' }), cmChecksum({ a: '1', b: '' }));
  });

  it('counts only the keys in scope; a scoped key missing from the object is simply absent', () => {
    const scope: KeyScope = { kind: 'keys', keys: ['a', 'not-there'] };
    assert.equal(cmChecksum({ a: '1', b: '1' }, scope), cmChecksum({ a: '1', b: '2' }, scope));
    assert.notEqual(cmChecksum({ a: '1', b: '1' }, scope), cmChecksum({ a: '2', b: '1' }, scope));
    assert.equal(cmChecksum({ a: '1' }, scope), cmChecksum({ a: '1' }, { kind: 'keys', keys: ['a'] }));
  });

  it('does not depend on the order of the sources', () => {
    const a = configMap('a', digestConfigMapContent({ data: { k: '1' } }));
    const b = configMap('b', digestConfigMapContent({ data: { k: '2' } }));
    const s = secret('a', digestSecretContent({ data: { k: 'MQ==' } }, KEY));
    assert.equal(workloadChecksum([a, b, s], KEY_ID), workloadChecksum([s, b, a], KEY_ID));
  });

  it('tells a missing object from an empty one, and a ConfigMap from a Secret of the same name', () => {
    const empty = configMap('c', digestConfigMapContent({}));
    assert.notEqual(workloadChecksum([], KEY_ID), workloadChecksum([empty], KEY_ID));
    const asSecret = secret('c', { data: {}, binaryData: {} });
    assert.notEqual(parseChecksum(workloadChecksum([empty], KEY_ID))?.hash, parseChecksum(workloadChecksum([asSecret], KEY_ID))?.hash);
  });

  it('leaves the key id out when no Secret contributes', () => {
    const value = cmChecksum({ a: '1' });
    assert.match(value, /^v1\.[0-9a-f]{64}$/);
    assert.equal(cmChecksum({ a: '1' }), workloadChecksum([configMap('web-config', digestConfigMapContent({ data: { a: '1' } }))], 'ffffffff'));
  });

  it('carries the HMAC key id with a Secret, and changes with the key', () => {
    const withKey = (key: Buffer): string =>
      workloadChecksum([secret('web-db', digestSecretContent({ data: { password: 'aHVudGVyMg==' } }, key))], hmacKeyId(key));
    assert.match(withKey(KEY), new RegExp(`^v1\\.${KEY_ID}\\.[0-9a-f]{64}$`));
    assert.equal(withKey(KEY), withKey(Buffer.from(KEY)));
    assert.notEqual(parseChecksum(withKey(KEY))?.hash, parseChecksum(withKey(OTHER_KEY))?.hash);
    assert.equal(parseChecksum(withKey(OTHER_KEY))?.keyId, hmacKeyId(OTHER_KEY));
  });

  it('identifies a key by 8 hex characters that are not the key itself', () => {
    assert.match(KEY_ID, /^[0-9a-f]{8}$/);
    assert.ok(!KEY.toString('hex').includes(KEY_ID));
    assert.notEqual(hmacKeyId(OTHER_KEY), KEY_ID);
  });

  it('refuses a malformed key id when a Secret contributes', () => {
    const s = secret('x', { data: {}, binaryData: {} });
    assert.throws(() => workloadChecksum([s], 'v1.ab'), RangeError);
  });

  it('gives one whole source the same checksum as a workload reading all of it', () => {
    const digest = digestSecretContent({ data: { token: 'dG9r' } }, KEY);
    assert.equal(sourceChecksum('Secret', 'api', digest, KEY_ID), workloadChecksum([secret('api', digest)], KEY_ID));
    assert.match(sourceChecksum('ConfigMap', 'api', digestConfigMapContent({}), KEY_ID), /^v1\.[0-9a-f]{64}$/);
  });

  it('pins the v1 format: these exact values must only change with CHECKSUM_FORMAT_VERSION', () => {
    assert.equal(CHECKSUM_FORMAT_VERSION, 'v1');
    const cm = digestConfigMapContent({ data: { 'app.yaml': 'port: 8080\n' }, binaryData: { 'logo.png': 'iVBORw0KGgo=' } });
    const sec = digestSecretContent({ data: { password: 'aHVudGVyMg==' } }, KEY);
    assert.equal(workloadChecksum([configMap('web-config', cm)], KEY_ID), PINNED_CONFIGMAP_ONLY);
    assert.equal(workloadChecksum([configMap('web-config', cm), secret('web-db', sec)], KEY_ID), PINNED_WITH_SECRET);
  });

  it('pins the v1 order of sources: by UTF-16 code units of their names, not by code points', () => {
    // A name no apiserver accepts for a ConfigMap, but a custom kind's pod template can name it:
    // the source is then absent, and its name still goes into the checksum.
    const absent = (name: string): ScopedSource => ({ kind: 'ConfigMap', name, scope: ALL, digest: undefined });
    const halfwidthStop = absent('\uFF61');
    const emoji = absent('\u{1F600}');
    assert.equal(workloadChecksum([halfwidthStop, emoji], ''), PINNED_NON_ASCII_NAMES);
    assert.equal(workloadChecksum([emoji, halfwidthStop], ''), PINNED_NON_ASCII_NAMES);
  });

  it('computes the same checksum in a separate Node process', () => {
    const cm = digestConfigMapContent({ data: { 'app.yaml': 'port: 8080\n' }, binaryData: { 'logo.png': 'iVBORw0KGgo=' } });
    const sec = digestSecretContent({ data: { password: 'aHVudGVyMg==' } }, KEY);
    const here = workloadChecksum([configMap('web-config', cm), secret('web-db', sec)], KEY_ID);
    const moduleUrl = new URL('../../../src/core/checksum.ts', import.meta.url).href;
    const script = `
      import { digestConfigMapContent, digestSecretContent, hmacKeyId, workloadChecksum } from ${JSON.stringify(moduleUrl)};
      const key = Buffer.from(${JSON.stringify(KEY.toString('hex'))}, 'hex');
      const cm = digestConfigMapContent({ binaryData: { 'logo.png': 'iVBORw0KGgo=' }, data: { 'app.yaml': 'port: 8080\\n' } });
      const sec = digestSecretContent({ data: { password: 'aHVudGVyMg==' } }, key);
      process.stdout.write(workloadChecksum([
        { kind: 'Secret', name: 'web-db', scope: { kind: 'all' }, digest: sec },
        { kind: 'ConfigMap', name: 'web-config', scope: { kind: 'all' }, digest: cm },
      ], hmacKeyId(key)));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '--eval', script], { encoding: 'utf8' });
    assert.equal(output, here);
  });
});

describe('parsing and comparing checksums', () => {
  const hex = 'a'.repeat(64);

  it('parses unkeyed and keyed values', () => {
    assert.deepEqual(parseChecksum(`v1.${hex}`), { version: 'v1', keyId: null, hash: hex });
    assert.deepEqual(parseChecksum(`v1.0badc0de.${hex}`), { version: 'v1', keyId: '0badc0de', hash: hex });
    assert.deepEqual(parseChecksum('v2.abc123'), { version: 'v2', keyId: null, hash: 'abc123' });
  });

  it('returns null for anything malformed', () => {
    const bad = [undefined, '', 'v1', 'v1.', `v1..${hex}`, `V1.${hex}`, `v1.${hex.toUpperCase()}`, `v1.${hex.slice(1)}`,
      `v1.0badc0d.${hex}`, `v1.0badc0de.0badc0de.${hex}`, `x1.${hex}`, `v1.${hex} `, 'sha256:abc'];
    for (const value of bad) assert.equal(parseChecksum(value), null, String(value));
  });

  it('compares only v1 values that carry no key id or the current one', () => {
    assert.equal(isComparable(`v1.${hex}`, KEY_ID), true);
    assert.equal(isComparable(`v1.${KEY_ID}.${hex}`, KEY_ID), true);
    assert.equal(isComparable(`v1.${hmacKeyId(OTHER_KEY)}.${hex}`, KEY_ID), false);
    assert.equal(isComparable('v2.abc', KEY_ID), false);
    assert.equal(isComparable('hand-written', KEY_ID), false);
    assert.equal(isComparable(undefined, KEY_ID), false);
  });

  it('gives a missing object a checksum of its own, distinct from an empty one, so its creation counts as a change', () => {
    const scope = { kind: 'all' } as const;
    const absent = workloadChecksum([{ kind: 'ConfigMap', name: 'late', scope, digest: undefined }], '0badc0de');
    const empty = workloadChecksum([{ kind: 'ConfigMap', name: 'late', scope, digest: digestConfigMapContent({}) }], '0badc0de');
    assert.match(absent, /^v1\.[0-9a-f]{64}$/);
    assert.notEqual(absent, empty);
  });
});

/** The two sources hashed emoji first (0xD83D < 0xFF61); code-point order would give v1.4a0d0c9a…. */
const PINNED_NON_ASCII_NAMES = 'v1.9f39ecb57f1acc904c59448fd96efd9e0e4437b22d9f9a5ea9465720398c346d';
const PINNED_CONFIGMAP_ONLY = 'v1.cfb22bc108fc5430fc9129b9705b3f0dbe3870896ca7c0982e674b04852d6800';
const PINNED_WITH_SECRET = 'v1.4773d12e.dcbe6c028f7654dad21c8554da23c3c06819fd1611c450f07908babb9a02a805';

describe('configMapChecksum (what confighash render writes from Git)', () => {
  const cm = { kind: 'ConfigMap' as const, name: 'web-config', scope: { kind: 'all' as const }, digest: digestConfigMapContent({ data: { A: '1' } }) };
  const secret = { kind: 'Secret' as const, name: 'web-db', scope: { kind: 'all' as const }, digest: digestConfigMapContent({ data: { P: 'x' } }) };

  it('is the checksum of the ConfigMaps alone, and the whole checksum when no Secret counts', () => {
    assert.equal(configMapChecksum([cm, secret]), workloadChecksum([cm], ''));
    assert.equal(configMapChecksum([cm]), workloadChecksum([cm], ''));
  });

  it('is undefined when no ConfigMap counts or one is missing: render leaves such a workload unstamped', () => {
    assert.equal(configMapChecksum([secret]), undefined);
    assert.equal(configMapChecksum([cm, { ...cm, name: 'gone', digest: undefined }]), undefined);
  });
});
