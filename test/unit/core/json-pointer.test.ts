import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMemberPointer, pointerSegments, valueAtPointer } from '../../../src/core/json-pointer.ts';

describe('JSON pointers', () => {
  it('split into unescaped segments (~1 is "/", ~0 is "~")', () => {
    assert.deepEqual(pointerSegments('/spec/jobTemplate/spec/template'), ['spec', 'jobTemplate', 'spec', 'template']);
    assert.deepEqual(pointerSegments('/a~1b/c~0d/~01'), ['a/b', 'c~d', '~1']);
    assert.deepEqual(pointerSegments(''), []);
  });

  it('find the value at the pointer, or undefined where the path ends early', () => {
    const cronJob = { spec: { jobTemplate: { spec: { template: { metadata: { labels: { a: '1' } } } } } } };
    assert.deepEqual(valueAtPointer(cronJob, '/spec/jobTemplate/spec/template'), { metadata: { labels: { a: '1' } } });
    assert.equal(valueAtPointer(cronJob, '/spec/template'), undefined);
    assert.equal(valueAtPointer({ spec: 'text' }, '/spec/template'), undefined);
  });

  it('accept only pointers to object members', () => {
    assert.ok(isMemberPointer('/spec/template'));
    assert.ok(!isMemberPointer('spec/template'));
    assert.ok(!isMemberPointer('/spec//template'));
    assert.ok(!isMemberPointer('/'));
  });
});
