import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { kustomizeBuild, parseManifests, type Manifest as BuiltManifest } from '../../../scripts/lib/kustomize.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { readManifest, repoRoot, type Manifest } from './manifests.ts';
import { alertRules, COMPONENT, COMPONENT_DIR, dashboardQueries } from './monitoring.ts';
import { findKustomizeBinDir } from './monitoring-tools.ts';
import { baseMetricName, groupingLabelsIn, metricsUsedIn } from './promql.ts';

/** Labels the Prometheus Operator puts on every series of a ServiceMonitor target. */
const TARGET_LABELS = new Set(['namespace', 'pod', 'service', 'endpoint', 'container', 'job', 'instance']);

/** name -> { type, labelNames } of everything createMetrics() registers. */
function catalogueMetrics(): Map<string, { type: string; labels: Set<string> }> {
  const catalogue = new Map<string, { type: string; labels: Set<string> }>();
  for (const metric of createMetrics().registry.getMetricsAsArray()) {
    // prom-client keeps the label names on the metric without declaring them.
    const { labelNames = [] } = metric as unknown as { labelNames?: string[] };
    catalogue.set(metric.name, { type: String(metric.type), labels: new Set(labelNames) });
  }
  return catalogue;
}

const exported = catalogueMetrics();

/** What is wrong with the metrics and labels `expr` uses; empty when createMetrics() has them all. */
function problemsOf(expr: string): string[] {
    const problems: string[] = [];
  const known = new Set(TARGET_LABELS);
  for (const use of metricsUsedIn(expr)) {
    const direct = exported.get(use.name);
    const { base, suffix } = baseMetricName(use.name);
    const metric = direct ?? (suffix ? exported.get(base) : undefined);
    if (!metric || (!direct && metric.type !== 'histogram')) {
      problems.push(`${use.name} is not a metric createMetrics() registers`);
      continue;
    }
    const labels = new Set([...metric.labels, ...TARGET_LABELS, ...(suffix === '_bucket' ? ['le'] : [])]);
    for (const label of use.matcherLabels) {
      if (!labels.has(label)) problems.push(`${use.name} has no label ${label}`);
    }
    for (const label of labels) known.add(label);
  }
  for (const label of groupingLabelsIn(expr)) {
    if (!known.has(label)) problems.push(`no metric in the expression has the label ${label} it groups by`);
  }
  return problems;
}

describe('the monitoring component', () => {
  it('is a kustomize Component, so an overlay lists it under components', async () => {
    const kustomization = await readManifest(`${COMPONENT}/kustomization.yaml`);
    assert.equal(kustomization.kind, 'Component');
    assert.equal(kustomization.apiVersion, 'kustomize.config.k8s.io/v1alpha1');
  });

  it('scrapes the metrics port of the confighash-metrics Service', async () => {
    const service = (await readManifest('kustomize/base/service-metrics.yaml')) as Manifest & { spec: { ports: Array<{ name: string }> } };
    const monitor = (await readManifest(`${COMPONENT}/servicemonitor.yaml`)) as Manifest & {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> };
    };
    assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
    for (const [label, value] of Object.entries(monitor.spec.selector.matchLabels)) {
      assert.equal(service.metadata.labels?.[label], value, `the Service has ${label}=${value}`);
    }
    assert.deepEqual(
      monitor.spec.endpoints.map((endpoint) => [endpoint.port, endpoint.path]),
      [['metrics', '/metrics']],
    );
    assert.ok(service.spec.ports.some((port) => port.name === 'metrics'));
  });

  it('alerts on halted rollouts, persistent failures, silent watches, no leader and no controller', async () => {
    assert.deepEqual((await alertRules()).map((rule) => rule.alert).sort(), [
      'ConfighashDown',
      'ConfighashNotLeading',
      'ConfighashReconcileFailing',
      'ConfighashRolloutHalted',
      'ConfighashWatchSilent',
    ]);
  });

  it('uses in its alert rules only metrics and labels that createMetrics() registers', async () => {
    const rules = await alertRules();
    assert.ok(rules.length > 0);
    for (const rule of rules) {
      assert.ok(metricsUsedIn(rule.expr).length > 0, `${rule.alert} reads one of our metrics`);
      assert.deepEqual(problemsOf(rule.expr), [], `${rule.alert}: ${rule.expr}`);
    }
  });

  it('uses in its dashboard only metrics and labels that createMetrics() registers', async () => {
    const queries = await dashboardQueries();
    assert.ok(queries.length >= 10);
    for (const expr of queries) assert.deepEqual(problemsOf(expr), [], expr);
    const charted = new Set(queries.flatMap((expr) => metricsUsedIn(expr).map((use) => baseMetricName(use.name).base)));
    for (const name of ['confighash_rollouts_total', 'confighash_queue_depth', 'confighash_api_request_duration_seconds', 'confighash_queue_failing_keys', 'process_resident_memory_bytes']) {
      assert.ok(charted.has(name), `the dashboard charts ${name}`);
    }
  });

  it('ships the dashboard as a ConfigMap the Grafana sidecar picks up', async () => {
    const kustomization = (await readManifest(`${COMPONENT}/kustomization.yaml`)) as Manifest & {
      configMapGenerator: Array<{ name: string; files: string[]; options: { labels: Record<string, string> } }>;
    };
    const [generator] = kustomization.configMapGenerator;
    assert.equal(generator?.options.labels.grafana_dashboard, '1');
    assert.deepEqual(generator?.files, ['confighash.json=dashboard.json']);
  });
});

describe('the README', () => {
  it('mentions only metrics and labels that createMetrics() registers', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const spans = [...readme.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!).filter((span) => metricsUsedIn(span).length > 0);
    assert.ok(spans.length > 0);
    for (const span of spans) assert.deepEqual(problemsOf(span), [], span);
  });

  it('documents every confighash metric with exactly its labels', async () => {
    // The README, or a page of docs/ for a feature's own metrics (docs/reloader.md: notifications).
    const docs = await readdir(join(repoRoot, 'docs')).catch(() => []);
    const pages = ['README.md', ...docs.filter((name) => name.endsWith('.md')).map((name) => join('docs', name))];
    const readme = (await Promise.all(pages.map((page) => readFile(join(repoRoot, page), 'utf8')))).join('\n');
    const documented = new Map<string, string[]>();
    for (const row of readme.matchAll(/^\| `(confighash_[a-z0-9_]+)` \|([^|]*)\|/gm)) {
      documented.set(row[1]!, [...row[2]!.matchAll(/`([a-z_]+)`/g)].map((label) => label[1]!).sort());
    }
    for (const [name, metric] of exported) {
      if (!name.startsWith('confighash_')) continue;
      assert.deepEqual(documented.get(name), [...metric.labels].sort(), `the README's row for ${name}`);
    }
  });
});

describe('kustomize build of an overlay with the monitoring component', () => {
  /** A user's overlay: the cluster overlay plus the component, optionally in another namespace. */
  async function buildWithComponent(binDir: string, namespace?: string): Promise<BuiltManifest[]> {
    const scratch = await mkdtemp(join(tmpdir(), 'confighash-monitoring-'));
    try {
      const kustomization = {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        ...(namespace ? { namespace } : {}),
        resources: [relative(scratch, join(repoRoot, 'kustomize/overlays/cluster'))],
        components: [relative(scratch, COMPONENT_DIR)],
      };
      await writeFile(join(scratch, 'kustomization.yaml'), stringify(kustomization));
      return parseManifests(await kustomizeBuild(binDir, scratch));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  function only(manifests: BuiltManifest[], kind: string): BuiltManifest {
    const found = manifests.filter((m) => m.kind === kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0]!;
  }

  for (const namespace of [undefined, 'platform-monitoring']) {
    it(`puts the ServiceMonitor, rules and dashboard next to the controller's Service (${namespace ?? 'the base namespace'})`, async (t) => {
      const kustomize = await findKustomizeBinDir();
      if ('missing' in kustomize) return t.skip(kustomize.missing);
      const built = await buildWithComponent(kustomize.binDir, namespace);
      const service = built.find((m) => m.kind === 'Service' && m.metadata.name === 'confighash-metrics');
      assert.ok(service, 'the overlay still has the metrics Service');
      const monitor = only(built, 'ServiceMonitor') as BuiltManifest & { spec: { selector: { matchLabels: Record<string, string> } } };
      const rule = only(built, 'PrometheusRule');
      const dashboard = built.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'confighash-dashboard') as
        | (BuiltManifest & { data: Record<string, string>; metadata: { labels?: Record<string, string> } })
        | undefined;
      const expected = namespace ?? 'confighash-system';
      for (const object of [service, monitor, rule, dashboard]) assert.equal(object?.metadata.namespace, expected, object?.kind);
      const serviceLabels = (service.metadata as { labels?: Record<string, string> }).labels ?? {};
      for (const [label, value] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(serviceLabels[label], value);
      assert.equal(dashboard?.metadata.labels?.grafana_dashboard, '1');
      assert.equal(dashboard?.data['confighash.json'], await readFile(join(COMPONENT_DIR, 'dashboard.json'), 'utf8'));
      assert.equal(built.filter((m) => m.kind === 'Deployment').length, 1, 'the component adds no second controller');
    });
  }
});
