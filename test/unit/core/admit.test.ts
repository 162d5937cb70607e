import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonPatch from 'fast-json-patch';
import type { V1Deployment } from '@kubernetes/client-node';
import { CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { ADMISSION_TABLE, admit, admittingCase, type AdmitInput } from '../../../src/core/admit.ts';
import { deployment, factsOf } from './fixtures.ts';

const LIVE = `v1.${'1'.repeat(64)}`;
const CURRENT = `v1.${'2'.repeat(64)}`;
const STALE = `v1.${'3'.repeat(64)}`;

/** The template annotations the API server would store after the admission patch. */
function admitted(object: V1Deployment, input: Omit<AdmitInput, 'incoming'>): Record<string, string> | undefined {
  const admission = admit({ ...input, incoming: factsOf(object) });
  const ops = admission.kind === 'patch' ? admission.ops : [];
  // The apiserver applies the patch as it is: no test ops, so it must apply to the object shown.
  assert.ok(ops.every((op) => op.op !== 'test'), 'an admission patch carries no test ops');
  const { newDocument } = jsonPatch.applyPatch(structuredClone(object), ops, true, false);
  return newDocument.spec?.template.metadata?.annotations;
}

const create = (overrides: Partial<AdmitInput> = {}): Omit<AdmitInput, 'incoming'> => ({
  operation: 'CREATE',
  templateChanged: false,
  desired: CURRENT,
  synced: true,
  ownWrite: false,
  ...overrides,
});

const update = (live: V1Deployment, overrides: Partial<AdmitInput> = {}): Omit<AdmitInput, 'incoming'> => ({
  operation: 'UPDATE',
  live: factsOf(live),
  templateChanged: false,
  desired: CURRENT,
  synced: true,
  ownWrite: false,
  ...overrides,
});

const withChecksum = (checksum: string): V1Deployment => deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: checksum, 'team.example/owner': 'checkout' } });
const withoutChecksum = (): V1Deployment => deployment({ templateAnnotations: { 'team.example/owner': 'checkout' } });

describe('admit: creating a workload', () => {
  it('gives a covered Deployment the current checksum beside its other template annotations', () => {
    const annotations = admitted(withoutChecksum(), create());
    assert.deepEqual(annotations, { 'team.example/owner': 'checkout', [CHECKSUM_ANNOTATION]: CURRENT });
  });

  it('adds the annotations map, and the template metadata, when the manifest has none', () => {
    assert.deepEqual(admitted(deployment({ templateAnnotations: null }), create()), { [CHECKSUM_ANNOTATION]: CURRENT });
    assert.deepEqual(admitted(deployment({ templateAnnotations: 'no-metadata' }), create()), { [CHECKSUM_ANNOTATION]: CURRENT });
  });

  it('replaces a checksum rendered offline (Secrets left out) with the current one', () => {
    assert.equal(admitted(withChecksum(STALE), create())?.[CHECKSUM_ANNOTATION], CURRENT);
  });

  it('sends no patch when the manifest already carries the current checksum', () => {
    const admission = admit({ ...create(), incoming: factsOf(withChecksum(CURRENT)) });
    assert.equal(admission.kind, 'allow');
    assert.equal(admission.reason, 'InSync');
  });

  it('touches nothing before the initial sync, when ignored, or when no AppConfig covers it', () => {
    const ignored = deployment({ annotations: { 'confighash.dev/ignore': 'true' }, templateAnnotations: null });
    for (const [object, input, reason] of [
      [withoutChecksum(), create({ synced: false }), 'NotSynced'],
      [ignored, create(), 'Ignored'],
      [withoutChecksum(), create({ desired: undefined }), 'NotCovered'],
    ] as const) {
      const admission = admit({ ...input, incoming: factsOf(object) });
      assert.deepEqual([admission.kind, admission.reason], ['allow', reason]);
    }
  });
});

describe('admit: updating a workload', () => {
  it('a replace that drops the checksum and changes nothing else keeps the live checksum, even while content changed', () => {
    const live = withChecksum(LIVE);
    const admission = admit({ ...update(live), incoming: factsOf(withoutChecksum()) });
    assert.equal(admission.reason, 'KeptLive');
    assert.equal(admitted(withoutChecksum(), update(live))?.[CHECKSUM_ANNOTATION], LIVE, 'the quiet period, not the replace, rolls the content change');
  });

  it('a replace whose manifest has no template annotations at all gets the live checksum in a new map', () => {
    const live = deployment({ templateAnnotations: { [CHECKSUM_ANNOTATION]: LIVE } });
    assert.deepEqual(admitted(deployment({ templateAnnotations: null }), update(live)), { [CHECKSUM_ANNOTATION]: LIVE });
  });

  it('an apply of a stale checksum with nothing else changed keeps the live checksum', () => {
    assert.equal(admitted(withChecksum(STALE), update(withChecksum(LIVE)))?.[CHECKSUM_ANNOTATION], LIVE);
  });

  it('a checksum added to a template that has none (a baselined workload) is taken out again when nothing else changed', () => {
    const admission = admit({ ...update(withoutChecksum()), incoming: factsOf(withChecksum(STALE)) });
    assert.equal(admission.kind, 'patch');
    assert.equal(admission.kind === 'patch' ? admission.checksum : 'patch', undefined);
    assert.deepEqual(admitted(withChecksum(STALE), update(withoutChecksum())), { 'team.example/owner': 'checkout' });
  });

  it('a replace that also changes the template gets the current checksum: the change rolls the pods, which read current content', () => {
    const input = update(withChecksum(LIVE), { templateChanged: true });
    assert.equal(admitted(withoutChecksum(), input)?.[CHECKSUM_ANNOTATION], CURRENT);
    assert.equal(admit({ ...input, incoming: factsOf(withoutChecksum()) }).reason, 'TemplateChanged');
  });

  it('a template change on a baselined workload gets the current checksum too', () => {
    assert.equal(admitted(withoutChecksum(), update(withoutChecksum(), { templateChanged: true }))?.[CHECKSUM_ANNOTATION], CURRENT);
  });

  it('an update that keeps the live checksum needs nothing, even with other template changes', () => {
    for (const templateChanged of [false, true]) {
      const admission = admit({ ...update(withChecksum(LIVE), { templateChanged }), incoming: factsOf(withChecksum(LIVE)) });
      assert.deepEqual([admission.kind, admission.reason], ['allow', 'Unchanged']);
    }
  });

  it('a metadata-only update of a baselined workload needs nothing', () => {
    const admission = admit({ ...update(withoutChecksum()), incoming: factsOf(withoutChecksum()) });
    assert.deepEqual([admission.kind, admission.reason], ['allow', 'Unchanged']);
  });

  it("lets confighash's own rollout through, even when the content moved on while it was in flight", () => {
    const admission = admit({ ...update(withChecksum(LIVE), { ownWrite: true }), incoming: factsOf(withChecksum(STALE)) });
    assert.deepEqual([admission.kind, admission.reason], ['allow', 'OwnWrite']);
  });

  it('lets an update to the current checksum through: it is what the controller would write', () => {
    const admission = admit({ ...update(withChecksum(LIVE)), incoming: factsOf(withChecksum(CURRENT)) });
    assert.deepEqual([admission.kind, admission.reason], ['allow', 'CurrentContent']);
  });

  it('leaves an ignored or uncovered workload to the user, even when the replace drops the checksum', () => {
    const ignored = deployment({ annotations: { 'confighash.dev/ignore': 'true' }, templateAnnotations: null });
    assert.equal(admit({ ...update(withChecksum(LIVE)), incoming: factsOf(ignored) }).reason, 'Ignored');
    assert.equal(admit({ ...update(withChecksum(LIVE), { desired: undefined }), incoming: factsOf(withoutChecksum()) }).reason, 'NotCovered');
  });
});

describe('admit: a checksum rendered from Git (confighash render: ConfigMaps only, for a workload that also reads a Secret)', () => {
  const GIT = `v1.${'4'.repeat(64)}`;

  it('keeps it on a create, so Git and the cluster agree; another stale one is still replaced', () => {
    const admission = admit({ ...create({ fromGit: GIT }), incoming: factsOf(withChecksum(GIT)) });
    assert.deepEqual([admission.kind, admission.reason], ['allow', 'FromGit']);
    assert.equal(admitted(withChecksum(STALE), create({ fromGit: GIT }))?.[CHECKSUM_ANNOTATION], CURRENT);
  });

  it('keeps it on an update that changes the template anyway (the pods roll by that change)', () => {
    const admission = admit({ ...update(withChecksum(LIVE), { templateChanged: true, fromGit: GIT }), incoming: factsOf(withChecksum(GIT)) });
    assert.deepEqual([admission.kind, admission.reason], ['allow', 'FromGit']);
  });

  it('never lets it roll the pods by itself: an update that changes only the checksum to it keeps the live one', () => {
    assert.equal(admitted(withChecksum(GIT), update(withChecksum(LIVE), { fromGit: GIT }))?.[CHECKSUM_ANNOTATION], LIVE);
  });
});

describe('the admission table', () => {
  it('names every row once, and ends in a row that always matches', () => {
    const names = ADMISSION_TABLE.map((row) => row.case);
    assert.equal(new Set(names).size, names.length);
    assert.equal(admittingCase({ ...update(withChecksum(LIVE), { templateChanged: true }), incoming: factsOf(withoutChecksum()) }), names.at(-1));
  });
});
