import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfigSpec, LabelSelector } from '../../../src/api/appconfig.ts';
import { coversWorkload, templateUsersOf, listedSources, matchesLabelSelector, sourcesForWorkload } from '../../../src/core/coverage.ts';
import type { KeyScope, SourceId } from '../../../src/core/types.ts';
import { workloadFacts } from './fixtures.ts';

const ALL: KeyScope = { kind: 'all' };
const keys = (...names: string[]): KeyScope => ({ kind: 'keys', keys: names });
const refs = (entries: Record<string, KeyScope>): Map<SourceId, KeyScope> =>
  new Map(Object.entries(entries) as [SourceId, KeyScope][]);

describe('matchesLabelSelector', () => {
  const labels = { app: 'web', tier: 'frontend' };

  it('treats an absent selector as selecting nothing and an empty one as selecting everything', () => {
    assert.equal(matchesLabelSelector(undefined, labels), false);
    assert.equal(matchesLabelSelector({}, labels), true);
    assert.equal(matchesLabelSelector({ matchLabels: {}, matchExpressions: [] }, {}), true);
  });

  it('requires every matchLabels pair', () => {
    assert.equal(matchesLabelSelector({ matchLabels: { app: 'web' } }, labels), true);
    assert.equal(matchesLabelSelector({ matchLabels: { app: 'web', tier: 'backend' } }, labels), false);
    assert.equal(matchesLabelSelector({ matchLabels: { team: 'x' } }, labels), false);
  });

  it('applies In, NotIn, Exists and DoesNotExist as Kubernetes does', () => {
    const match = (selector: LabelSelector): boolean => matchesLabelSelector(selector, labels);
    assert.equal(match({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }] }), true);
    assert.equal(match({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }), false);
    assert.equal(match({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }), false);
    assert.equal(match({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }] }), false);
    assert.equal(match({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }), true);
    assert.equal(match({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), true, 'absent label');
    assert.equal(match({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }), true);
    assert.equal(match({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }), false);
    assert.equal(match({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }), true);
    assert.equal(match({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }), false);
  });

  it('requires matchLabels and every expression together', () => {
    const selector: LabelSelector = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'Exists' }, { key: 'canary', operator: 'DoesNotExist' }],
    };
    assert.equal(matchesLabelSelector(selector, labels), true);
    assert.equal(matchesLabelSelector(selector, { ...labels, canary: 'true' }), false);
  });

  it('selects nothing for an operator it does not know', () => {
    const selector = { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] } as unknown as LabelSelector;
    assert.equal(matchesLabelSelector(selector, labels), false);
  });
});

describe('coversWorkload', () => {
  const web = workloadFacts({ references: refs({ 'ConfigMap/web-config': ALL }) });

  it('covers, without spec.workloads, exactly the workloads that reference a listed object', () => {
    assert.equal(coversWorkload({ configMaps: [{ name: 'web-config' }] }, web), true);
    assert.equal(coversWorkload({ configMaps: [{ name: 'other' }], secrets: [{ name: 'web-config' }] }, web), false);
  });

  it('covers a workload named with the right kind, whether or not it references anything', () => {
    const spec: AppConfigSpec = { configMaps: [{ name: 'flags' }], workloads: { names: [{ kind: 'Deployment', name: 'web' }] } };
    assert.equal(coversWorkload(spec, workloadFacts()), true);
    assert.equal(coversWorkload(spec, workloadFacts({ kind: 'StatefulSet' })), false);
    assert.equal(coversWorkload(spec, workloadFacts({ name: 'api' })), false);
  });

  it('covers workloads whose own labels match the selector', () => {
    const spec: AppConfigSpec = { configMaps: [{ name: 'flags' }], workloads: { selector: { matchLabels: { app: 'web' } } } };
    assert.equal(coversWorkload(spec, workloadFacts({ labels: { app: 'web' } })), true);
    assert.equal(coversWorkload(spec, workloadFacts({ labels: { app: 'api' } })), false);
  });

  it('does not fall back to references once spec.workloads chooses explicitly', () => {
    const spec: AppConfigSpec = { configMaps: [{ name: 'web-config' }], workloads: { names: [{ kind: 'Deployment', name: 'api' }] } };
    assert.equal(coversWorkload(spec, web), false);
  });
});

describe('coversWorkload, for a workload that takes its pod template from another (Argo Rollouts spec.workloadRef)', () => {
  const deployment = workloadFacts({ labels: { app: 'web-template' }, references: refs({ 'ConfigMap/web-config': ALL }) });
  const rollout = workloadFacts({ kind: 'Rollout', labels: { app: 'web' }, templateFrom: { kind: 'Deployment', name: 'web' } });

  it('never covers the workload without a template of its own, whatever selects it', () => {
    assert.equal(coversWorkload({ configMaps: [{ name: 'web-config' }], workloads: { names: [{ kind: 'Rollout', name: 'web' }] } }, rollout), false);
    assert.equal(coversWorkload({ configMaps: [{ name: 'web-config' }] }, rollout), false);
  });

  it('covers the workload whose template it takes when spec.workloads names or selects the one that takes it', () => {
    const named: AppConfigSpec = { configMaps: [{ name: 'flags' }], workloads: { names: [{ kind: 'Rollout', name: 'web' }] } };
    const selected: AppConfigSpec = { configMaps: [{ name: 'flags' }], workloads: { selector: { matchLabels: { app: 'web' } } } };
    for (const spec of [named, selected]) {
      assert.equal(coversWorkload(spec, deployment), false, 'not by itself');
      assert.equal(coversWorkload(spec, deployment, templateUsersOf(deployment, [rollout, deployment])), true);
      assert.deepEqual([...sourcesForWorkload([spec], deployment, [rollout]).keys()], ['ConfigMap/flags']);
    }
  });

  it('finds the workloads that take their template from one: by kind and name', () => {
    const other = workloadFacts({ kind: 'Rollout', name: 'api', templateFrom: { kind: 'Deployment', name: 'api' } });
    assert.deepEqual(templateUsersOf(deployment, [rollout, other, deployment]), [rollout]);
    assert.deepEqual(templateUsersOf(workloadFacts({ kind: 'StatefulSet' }), [rollout]), []);
  });
});

describe('sourcesForWorkload', () => {
  it('narrows an AppConfig key list to what the pod template can see', () => {
    const workload = workloadFacts({ references: refs({ 'ConfigMap/cfg': keys('a', 'b'), 'Secret/db': ALL }) });
    const spec: AppConfigSpec = { configMaps: [{ name: 'cfg', keys: ['b', 'c'] }], secrets: [{ name: 'db' }] };
    assert.deepEqual(Object.fromEntries(sourcesForWorkload([spec], workload)), { 'ConfigMap/cfg': keys('b'), 'Secret/db': ALL });
  });

  it('gives an explicitly selected workload the listed objects it does not reference', () => {
    const workload = workloadFacts({ references: refs({ 'ConfigMap/cfg': keys('a') }) });
    const spec: AppConfigSpec = {
      configMaps: [{ name: 'cfg' }, { name: 'flags', keys: ['beta'] }],
      workloads: { selector: { matchLabels: { app: 'web' } } },
    };
    assert.deepEqual(Object.fromEntries(sourcesForWorkload([spec], workload)), {
      'ConfigMap/cfg': keys('a'),
      'ConfigMap/flags': keys('beta'),
    });
  });

  it('leaves out, for an auto-discovered workload, the listed objects it does not reference', () => {
    const workload = workloadFacts({ references: refs({ 'ConfigMap/cfg': ALL }) });
    const spec: AppConfigSpec = { configMaps: [{ name: 'cfg' }, { name: 'flags' }], secrets: [{ name: 'db' }] };
    assert.deepEqual([...sourcesForWorkload([spec], workload).keys()], ['ConfigMap/cfg']);
  });

  it('unions scopes across AppConfigs, whatever their order', () => {
    const workload = workloadFacts({ references: refs({ 'ConfigMap/cfg': ALL, 'Secret/db': keys('user', 'password') }) });
    const first: AppConfigSpec = { configMaps: [{ name: 'cfg', keys: ['a'] }], secrets: [{ name: 'db', keys: ['user'] }] };
    const second: AppConfigSpec = { configMaps: [{ name: 'cfg', keys: ['c'] }], secrets: [{ name: 'db' }] };
    const expected = { 'ConfigMap/cfg': keys('a', 'c'), 'Secret/db': keys('password', 'user') };
    assert.deepEqual(Object.fromEntries(sourcesForWorkload([first, second], workload)), expected);
    assert.deepEqual(Object.fromEntries(sourcesForWorkload([second, first], workload)), expected);
    assert.deepEqual([...sourcesForWorkload([second, first], workload).keys()], ['ConfigMap/cfg', 'Secret/db']);
  });

  it('ignores AppConfigs that do not cover the workload', () => {
    const workload = workloadFacts({ references: refs({ 'ConfigMap/cfg': ALL }) });
    const elsewhere: AppConfigSpec = { configMaps: [{ name: 'flags' }], workloads: { names: [{ kind: 'Deployment', name: 'api' }] } };
    const covering: AppConfigSpec = { configMaps: [{ name: 'cfg' }] };
    assert.deepEqual([...sourcesForWorkload([elsewhere, covering], workload).keys()], ['ConfigMap/cfg']);
    assert.equal(sourcesForWorkload([], workload).size, 0);
  });

  it('keeps a source whose keys and references do not overlap, with no key in scope', () => {
    const workload = workloadFacts({ references: refs({ 'ConfigMap/cfg': keys('a') }) });
    assert.deepEqual(Object.fromEntries(sourcesForWorkload([{ configMaps: [{ name: 'cfg', keys: ['b'] }] }], workload)), {
      'ConfigMap/cfg': keys(),
    });
  });
});

describe('listedSources', () => {
  it('lists ConfigMaps then Secrets, sorted and without duplicates', () => {
    const spec: AppConfigSpec = { secrets: [{ name: 'b' }, { name: 'a' }], configMaps: [{ name: 'z' }, { name: 'z', keys: ['k'] }] };
    assert.deepEqual(listedSources(spec), ['ConfigMap/z', 'Secret/a', 'Secret/b']);
    assert.deepEqual(listedSources({}), []);
  });
});
