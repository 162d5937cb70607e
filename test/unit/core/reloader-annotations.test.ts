import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SourceKind } from '../../../src/api/constants.ts';
import {
  reloaderAnnotationProblems,
  reloaderAnnotationsOf,
  reloaderAppConfig,
  sameReloaderAnnotations,
  sourceMarksOf,
  type ReloaderNamespace,
  type ReloaderWorkload,
  type SourceMarks,
} from '../../../src/core/reloader-annotations.ts';
import type { KeyScope, SourceId } from '../../../src/core/types.ts';

const ALL: KeyScope = { kind: 'all' };

function workload(annotations: Record<string, string>, references: SourceId[], template: Record<string, string> = {}): ReloaderWorkload {
  const reloader = reloaderAnnotationsOf(annotations, template);
  return { kind: 'Deployment', name: 'web', references: new Map(references.map((id) => [id, ALL])), ...(reloader ? { reloader } : {}) };
}

function namespace(sources: SourceId[], marks: Partial<Record<SourceId, SourceMarks>> = {}): ReloaderNamespace {
  return {
    sourcesOfKind: (kind: SourceKind) => sources.filter((id) => id.startsWith(`${kind}/`)),
    marksOf: (id) => marks[id],
  };
}

/** "ConfigMap/a Secret/s": what the translated AppConfig lists. */
function listed(w: ReloaderWorkload, ns: ReloaderNamespace): string {
  const spec = reloaderAppConfig(w, ns);
  if (spec === undefined) return '(nothing)';
  return [...(spec.configMaps ?? []).map((e) => `ConfigMap/${e.name}`), ...(spec.secrets ?? []).map((e) => `Secret/${e.name}`)].join(' ');
}

const EVERYTHING = namespace(['ConfigMap/app-cm', 'ConfigMap/other-cm', 'ConfigMap/unused-cm', 'Secret/app-sec', 'Secret/unused-sec']);
const USES = ['ConfigMap/app-cm', 'ConfigMap/other-cm', 'Secret/app-sec'] as SourceId[];

describe('reloaderAppConfig: Reloader annotations as an AppConfig', () => {
  it('auto=true covers every ConfigMap and Secret the pod template reads, and nothing it does not', () => {
    assert.equal(listed(workload({ 'reloader.stakater.com/auto': 'true' }, USES), EVERYTHING), 'ConfigMap/app-cm ConfigMap/other-cm Secret/app-sec');
  });

  it('names the workload itself, so no other workload is covered by it', () => {
    const spec = reloaderAppConfig(workload({ 'reloader.stakater.com/auto': 'true' }, USES), EVERYTHING);
    assert.deepEqual(spec?.workloads, { names: [{ kind: 'Deployment', name: 'web' }] });
  });

  it('reads auto as Go strconv.ParseBool does: "false" and nonsense opt in to nothing', () => {
    for (const value of ['1', 't', 'T', 'TRUE', 'True']) {
      assert.notEqual(listed(workload({ 'reloader.stakater.com/auto': value }, USES), EVERYTHING), '(nothing)', value);
    }
    for (const value of ['false', 'yes', 'on', '']) {
      assert.equal(listed(workload({ 'reloader.stakater.com/auto': value }, USES), EVERYTHING), '(nothing)', value);
    }
  });

  it('configmap.reloader.stakater.com/auto covers only ConfigMaps, secret.reloader.stakater.com/auto only Secrets', () => {
    assert.equal(listed(workload({ 'configmap.reloader.stakater.com/auto': 'true' }, USES), EVERYTHING), 'ConfigMap/app-cm ConfigMap/other-cm');
    assert.equal(listed(workload({ 'secret.reloader.stakater.com/auto': 'true' }, USES), EVERYTHING), 'Secret/app-sec');
  });

  it('a reload list covers the sources it names even when the template does not read them, each entry an anchored expression', () => {
    assert.equal(listed(workload({ 'configmap.reloader.stakater.com/reload': 'unused-cm' }, USES), EVERYTHING), 'ConfigMap/unused-cm');
    assert.equal(listed(workload({ 'configmap.reloader.stakater.com/reload': 'app' }, USES), EVERYTHING), '(nothing)', 'anchored: "app" is not "app-cm"');
    assert.equal(listed(workload({ 'configmap.reloader.stakater.com/reload': ' .*-cm , nope' }, USES), EVERYTHING), 'ConfigMap/app-cm ConfigMap/other-cm ConfigMap/unused-cm');
    assert.equal(listed(workload({ 'secret.reloader.stakater.com/reload': 'unused-.*' }, USES), EVERYTHING), 'Secret/unused-sec');
  });

  it('anchors the way Reloader does, by plain concatenation: "^a|b$" is "starts with a, or ends with b"', () => {
    assert.equal(listed(workload({ 'configmap.reloader.stakater.com/reload': 'app|unused-cm' }, USES), EVERYTHING), 'ConfigMap/app-cm ConfigMap/unused-cm');
  });

  it('skips a bad expression with a problem to report, and still honours the good entries', () => {
    const w = workload({ 'configmap.reloader.stakater.com/reload': 'app-cm,(unclosed' }, USES);
    assert.equal(listed(w, EVERYTHING), 'ConfigMap/app-cm');
    const problems = reloaderAnnotationProblems(w.reloader);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /configmap\.reloader\.stakater\.com\/reload: "\(unclosed" is not a regular expression/);
  });

  it('search covers a read source only when that source is marked match=true', () => {
    const marked = namespace(['ConfigMap/app-cm', 'ConfigMap/other-cm', 'ConfigMap/unused-cm'], {
      'ConfigMap/app-cm': { match: true, ignore: false },
      'ConfigMap/unused-cm': { match: true, ignore: false },
    });
    assert.equal(listed(workload({ 'reloader.stakater.com/search': 'true' }, USES), marked), 'ConfigMap/app-cm');
    assert.equal(listed(workload({ 'reloader.stakater.com/search': 'true' }, USES), EVERYTHING), '(nothing)', 'no source is marked');
    assert.equal(listed(workload({}, USES), marked), '(nothing)', 'match without search on the workload covers nothing');
  });

  it('a source marked ignore=true never counts, however the workload opts in', () => {
    const ignored = namespace(['ConfigMap/app-cm', 'ConfigMap/other-cm'], { 'ConfigMap/app-cm': { match: true, ignore: true } });
    assert.equal(listed(workload({ 'reloader.stakater.com/auto': 'true' }, USES), ignored), 'ConfigMap/other-cm Secret/app-sec');
    assert.equal(listed(workload({ 'configmap.reloader.stakater.com/reload': 'app-cm' }, USES), ignored), '(nothing)');
    assert.equal(listed(workload({ 'reloader.stakater.com/search': 'true' }, USES), ignored), '(nothing)');
  });

  it('the exclude lists drop exact names (not expressions), read from the workload only', () => {
    const excluding = { 'reloader.stakater.com/auto': 'true', 'configmaps.exclude.reloader.stakater.com/reload': 'app-cm, other-.*', 'secrets.exclude.reloader.stakater.com/reload': 'app-sec' };
    assert.equal(listed(workload(excluding, USES), EVERYTHING), 'ConfigMap/other-cm');
    const onTemplateOnly = workload({}, USES, { 'reloader.stakater.com/auto': 'true', 'configmaps.exclude.reloader.stakater.com/reload': 'app-cm' });
    assert.equal(listed(onTemplateOnly, EVERYTHING), 'ConfigMap/app-cm ConfigMap/other-cm Secret/app-sec', 'an exclude list on the pod template is not read');
  });

  it('reads the pod template annotations only when the workload has no opt-in annotation for that kind', () => {
    assert.equal(listed(workload({}, USES, { 'reloader.stakater.com/auto': 'true' }), EVERYTHING), 'ConfigMap/app-cm ConfigMap/other-cm Secret/app-sec');
    const both = workload({ 'secret.reloader.stakater.com/reload': 'unused-sec' }, USES, { 'reloader.stakater.com/auto': 'true' });
    assert.equal(listed(both, EVERYTHING), 'ConfigMap/app-cm ConfigMap/other-cm Secret/unused-sec', 'Secrets follow the workload, ConfigMaps the template');
  });

  it('an explicit reload entry wins over an auto annotation that says false', () => {
    assert.equal(listed(workload({ 'reloader.stakater.com/auto': 'false', 'configmap.reloader.stakater.com/reload': 'app-cm' }, USES), EVERYTHING), 'ConfigMap/app-cm');
  });

  it('a workload without Reloader annotations keeps none and translates to nothing', () => {
    assert.equal(reloaderAnnotationsOf({ 'other.io/x': 'y' }, undefined), undefined);
    assert.equal(listed(workload({ 'other.io/x': 'y' }, USES), EVERYTHING), '(nothing)');
  });
});

describe('what the fact store keeps of Reloader annotations', () => {
  it('keeps only the Reloader keys of the workload and its template', () => {
    assert.deepEqual(reloaderAnnotationsOf({ 'reloader.stakater.com/auto': 'true', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, { 'reloader.stakater.com/search': 'true', a: 'b' }), {
      workload: { 'reloader.stakater.com/auto': 'true' },
      template: { 'reloader.stakater.com/search': 'true' },
    });
  });

  it('tells a changed annotation value apart', () => {
    const a = reloaderAnnotationsOf({ 'reloader.stakater.com/auto': 'true' }, undefined);
    assert.equal(sameReloaderAnnotations(a, reloaderAnnotationsOf({ 'reloader.stakater.com/auto': 'true' }, {})), true);
    assert.equal(sameReloaderAnnotations(a, reloaderAnnotationsOf({ 'reloader.stakater.com/auto': 'false' }, {})), false);
    assert.equal(sameReloaderAnnotations(a, undefined), false);
  });

  it('keeps marks of a source only when match or ignore is "true"', () => {
    assert.equal(sourceMarksOf({ 'reloader.stakater.com/match': 'yes' }), undefined);
    assert.deepEqual(sourceMarksOf({ 'reloader.stakater.com/match': 'true' }), { match: true, ignore: false });
    assert.deepEqual(sourceMarksOf({ 'reloader.stakater.com/ignore': 'true' }), { match: false, ignore: true });
  });
});
