import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config.ts';
import { parseWorkloadKinds } from '../../../src/config/workload-kinds.ts';

const flag = (text: string) => ({ text, origin: '--workload-kind' });
const host = { hostname: () => 'h', randomSuffix: () => 'x' };

describe('--workload-kind', () => {
  it('takes a known kind without a pointer, and any kind with one', () => {
    assert.deepEqual(parseWorkloadKinds([flag('argoproj.io/v1alpha1/Rollout'), flag('apps.kruise.io/v1alpha1/CloneSet=/spec/template')]), [
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', templatePointer: '/spec/template', origin: '--workload-kind "argoproj.io/v1alpha1/Rollout"' },
      { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', templatePointer: '/spec/template', origin: '--workload-kind "apps.kruise.io/v1alpha1/CloneSet=/spec/template"' },
    ]);
  });

  it('takes a core-group kind as VERSION/KIND, and a pointer with escaped segments', () => {
    const [rc, odd] = parseWorkloadKinds([flag('v1/ReplicationController=/spec/template,example.com/v2beta1/Job=/spec/a~1b/template')]);
    assert.equal(rc?.apiVersion, 'v1');
    assert.equal(odd?.templatePointer, '/spec/a~1b/template');
  });

  it('reads several entries from one variable: commas, spaces, new lines, # comments', () => {
    const kinds = parseWorkloadKinds([{ text: '# extra kinds\nargoproj.io/v1alpha1/Rollout\n  a.io/v1/A=/spec/template, b.io/v1/B=/spec/t\n', origin: 'CONFIGHASH_WORKLOAD_KINDS' }]);
    assert.deepEqual(kinds.map((k) => k.kind), ['Rollout', 'A', 'B']);
  });

  it('refuses, naming the flag and the entry, what it cannot use', () => {
    const refused: [string, RegExp][] = [
      ['apps.kruise.io/v1alpha1/CloneSet', /--workload-kind "apps.kruise.io\/v1alpha1\/CloneSet".*does not know where CloneSet keeps its pod template; add =POINTER/],
      ['a.io/v1/A=spec/template', /"spec\/template" is not a JSON pointer/],
      ['a.io/v1/A=/spec//template', /is not a JSON pointer/],
      ['a.io/v1/A=', /is not a JSON pointer/],
      ['a.io/one/A=/spec/template', /"one" is not an API version/],
      ['A_.io/v1/A=/spec/template', /is not an API group name/],
      ['a.io/v1/cloneset=/spec/template', /"cloneset" is not a kind name/],
      ['Rollout', /use GROUP\/VERSION\/KIND=POINTER/],
    ];
    for (const [text, message] of refused) assert.throws(() => parseWorkloadKinds([flag(text)]), message, text);
  });

  it('refuses two kinds of one name in different groups: workloads are named by kind', () => {
    assert.throws(() => parseWorkloadKinds([flag('a.io/v1/Thing=/spec/template'), flag('b.io/v1/Thing=/spec/template')]), /both name a kind Thing/);
  });

  it('comes from the flags, or else from CONFIGHASH_WORKLOAD_KINDS', () => {
    const env = { CONFIGHASH_WORKLOAD_KINDS: 'a.io/v1/A=/spec/template' };
    assert.deepEqual(parseConfig(['-n', 'shop'], env, host).workloadKinds.map((k) => k.kind), ['A']);
    assert.deepEqual(parseConfig(['-n', 'shop', '--workload-kind', 'b.io/v1/B=/spec/template'], env, host).workloadKinds.map((k) => k.kind), ['B']);
    assert.deepEqual(parseConfig(['-n', 'shop'], {}, host).workloadKinds, []);
  });
});
