import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKSUM_ANNOTATION } from '../../../src/api/constants.ts';
import { templateChangedBeyondChecksum } from '../../../src/webhook/template-change.ts';
import { deploymentObject } from './fixtures.ts';
import { kindSpec } from '../support/workload-kinds.ts';

const CHECKSUM = `v1.${'1'.repeat(64)}`;

describe('templateChangedBeyondChecksum', () => {
  it('sees no change when only the checksum was dropped, even with the annotations map gone', () => {
    const live = deploymentObject({ templateAnnotations: { [CHECKSUM_ANNOTATION]: CHECKSUM } });
    assert.equal(templateChangedBeyondChecksum(kindSpec('Deployment'), live, deploymentObject()), false);
    assert.equal(templateChangedBeyondChecksum(kindSpec('Deployment'), live, deploymentObject({ templateAnnotations: {} })), false);
  });

  it('sees no change when only the checksum value differs, beside other annotations', () => {
    const live = deploymentObject({ templateAnnotations: { [CHECKSUM_ANNOTATION]: CHECKSUM, team: 'a' } });
    assert.equal(templateChangedBeyondChecksum(kindSpec('Deployment'), live, deploymentObject({ templateAnnotations: { [CHECKSUM_ANNOTATION]: `v1.${'2'.repeat(64)}`, team: 'a' } })), false);
  });

  it('sees a change of the image, of another template annotation, or of the template metadata', () => {
    const live = deploymentObject({ templateAnnotations: { [CHECKSUM_ANNOTATION]: CHECKSUM, team: 'a' } });
    assert.equal(templateChangedBeyondChecksum(kindSpec('Deployment'), live, deploymentObject({ image: 'web:2', templateAnnotations: { team: 'a' } })), true);
    assert.equal(templateChangedBeyondChecksum(kindSpec('Deployment'), live, deploymentObject({ templateAnnotations: { team: 'b' } })), true);
    assert.equal(templateChangedBeyondChecksum(kindSpec('Deployment'), live, deploymentObject()), true, 'dropping another annotation changes the template');
  });

  it('ignores changes outside the pod template (replicas, labels of the workload)', () => {
    const live = deploymentObject();
    const scaled = structuredClone(live);
    (scaled.spec as { replicas: number }).replicas = 5;
    (scaled.metadata as { labels: Record<string, string> }).labels = { app: 'web', tier: 'front' };
    assert.equal(templateChangedBeyondChecksum(kindSpec('Deployment'), live, scaled), false);
  });
});
