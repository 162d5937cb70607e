import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { specProblems } from '../../../src/core/validate-spec.ts';

describe('specProblems', () => {
  it('accepts a complete, sensible spec', () => {
    const spec = {
      configMaps: [{ name: 'web-config', keys: ['app.yaml', 'logging.yaml'] }, { name: 'flags' }],
      secrets: [{ name: 'web-db' }],
      workloads: {
        selector: {
          matchLabels: { 'app.kubernetes.io/name': 'web' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['frontend'] },
            { key: 'canary', operator: 'DoesNotExist' },
          ],
        },
        names: [{ kind: 'StatefulSet', name: 'cache' }],
      },
    };
    assert.deepEqual(specProblems(spec), []);
  });

  it('accepts a minimal spec and an empty selector, which selects every workload', () => {
    assert.deepEqual(specProblems({ secrets: [{ name: 'api-token' }] }), []);
    assert.deepEqual(specProblems({ configMaps: [{ name: 'cfg' }], workloads: { selector: {} } }), []);
  });

  it('names a source listed twice by its field path', () => {
    const problems = specProblems({ configMaps: [{ name: 'web' }, { name: 'web', keys: ['a'] }] });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^spec\.configMaps\[1\]\.name "web" is listed twice \(also at spec\.configMaps\[0\]\)/);
  });

  it('allows a ConfigMap and a Secret to share a name', () => {
    assert.deepEqual(specProblems({ configMaps: [{ name: 'web' }], secrets: [{ name: 'web' }] }), []);
  });

  it('names a key listed twice', () => {
    assert.deepEqual(specProblems({ secrets: [{ name: 'db', keys: ['user', 'password', 'user'] }] }), [
      'spec.secrets[0].keys[2] "user" is listed twice; list each key once',
    ]);
  });

  it('rejects In and NotIn without values, and Exists and DoesNotExist with values', () => {
    const problems = specProblems({
      configMaps: [{ name: 'cfg' }],
      workloads: {
        selector: {
          matchExpressions: [
            { key: 'a', operator: 'In', values: [] },
            { key: 'b', operator: 'NotIn' },
            { key: 'c', operator: 'Exists', values: ['x'] },
            { key: 'd', operator: 'DoesNotExist', values: ['y'] },
          ],
        },
      },
    });
    assert.deepEqual(problems, [
      'spec.workloads.selector.matchExpressions[0] uses operator In without values; list at least one value',
      'spec.workloads.selector.matchExpressions[1] uses operator NotIn without values; list at least one value',
      'spec.workloads.selector.matchExpressions[2] uses operator Exists with values; remove the values',
      'spec.workloads.selector.matchExpressions[3] uses operator DoesNotExist with values; remove the values',
    ]);
  });

  it('rejects spec.workloads that names neither a selector nor workloads', () => {
    for (const workloads of [{}, { names: [] }]) {
      const problems = specProblems({ configMaps: [{ name: 'cfg' }], workloads });
      assert.equal(problems.length, 1, JSON.stringify(workloads));
      assert.match(problems[0] ?? '', /^spec\.workloads has neither a selector nor names/);
    }
  });

  it('rejects a spec that lists no object', () => {
    for (const spec of [{}, { configMaps: [], secrets: [] }]) {
      assert.ok(specProblems(spec).some((p) => p.startsWith('spec lists no objects')), JSON.stringify(spec));
    }
  });

  it('reports schema violations with the field path', () => {
    const problems = specProblems({
      configMaps: [{ name: 'Web_Config', keys: [] }],
      secrets: [{ nam: 'typo' }],
      workloads: { names: [{ kind: 'cronjob', name: 'x' }] },
      extra: true,
    });
    const expectations = [
      /^spec has an unknown field "extra"/,
      /^spec\.configMaps\[0\]\.name must match pattern/,
      /^spec\.configMaps\[0\]\.keys must list at least 1 item/,
      /^spec\.secrets\[0\] needs the field "name"/,
      /^spec\.secrets\[0\] has an unknown field "nam"/,
      /^spec\.workloads\.names\[0\]\.kind must match pattern/,
    ];
    for (const expected of expectations) {
      assert.ok(problems.some((p) => expected.test(p)), `${expected} in ${JSON.stringify(problems, null, 1)}`);
    }
  });

  it('reports an unknown selector operator', () => {
    const problems = specProblems({
      configMaps: [{ name: 'cfg' }],
      workloads: { selector: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] } },
    });
    assert.ok(problems.some((p) => p.startsWith('spec.workloads.selector.matchExpressions[0].operator must be one of In, NotIn')));
  });

  it('reports null fields, which the CRD drops and core does not expect', () => {
    const problems = specProblems({ configMaps: [{ name: 'cfg', keys: null }], workloads: { selector: { matchLabels: { 'app.kubernetes.io/name': null } } } });
    assert.ok(problems.includes('spec.configMaps[0].keys is null; omit the field instead'), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.startsWith('spec.workloads.selector.matchLabels["app.kubernetes.io/name"]')));
  });

  it('reports, without throwing, a spec that is not an object', () => {
    for (const spec of [undefined, null, 'configMaps: []', 42, []]) {
      const problems = specProblems(spec);
      assert.ok(problems.length > 0, String(spec));
      assert.ok(problems.every((p) => p.startsWith('spec')), JSON.stringify(problems));
    }
  });
});
