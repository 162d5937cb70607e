import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { alertRules, COMPONENT_DIR, dashboardQueries, prometheusRuleSpec } from './monitoring.ts';
import { findPromtool } from './monitoring-tools.ts';

const run = promisify(execFile);
const ALERT_TESTS = join(COMPONENT_DIR, 'tests/alerts.test.yaml');

interface PromtoolResult {
  code: number;
  output: string;
}

async function promtool(path: string, args: string[], cwd: string): Promise<PromtoolResult> {
  try {
    const { stdout, stderr } = await run(path, args, { cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : 1, output: stdout + stderr };
  }
}

/*
 * The real promtool, built by scripts/controlplane/build-promtool.sh (CI runs it), checks
 * the PrometheusRule's spec as a Prometheus rule file and runs the alert unit tests in
 * kustomize/components/monitoring/tests. Without the binary these tests skip and say how
 * to build it; they never skip for any other reason.
 */
describe('the monitoring alerts, checked by promtool', () => {
  let promtoolPath: string | undefined;
  let missing = '';
  let scratch = '';

  before(async () => {
    const found = await findPromtool();
    if ('missing' in found) missing = found.missing;
    else promtoolPath = found.path;
    scratch = await mkdtemp(join(tmpdir(), 'confighash-promtool-'));
    await writeFile(join(scratch, 'rules.yaml'), stringify(await prometheusRuleSpec()));
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  function binary(t: TestContext): string | undefined {
    if (!promtoolPath) t.skip(missing);
    return promtoolPath;
  }

  it('are a valid Prometheus rule file', async (t) => {
    const path = binary(t);
    if (!path) return;
    const result = await promtool(path, ['check', 'rules', 'rules.yaml'], scratch);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, new RegExp(`SUCCESS: ${(await alertRules()).length} rules found`));
  });

  it('pass their unit tests (tests/alerts.test.yaml)', async (t) => {
    const path = binary(t);
    if (!path) return;
    await copyFile(ALERT_TESTS, join(scratch, 'alerts.test.yaml'));
    const result = await promtool(path, ['test', 'rules', 'alerts.test.yaml'], scratch);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /SUCCESS/);
  });

  it('fail their unit tests when an alert fires sooner than its tests say', async (t) => {
    const path = binary(t);
    if (!path) return;
    const spec = await prometheusRuleSpec();
    for (const rule of spec.groups.flatMap((group) => group.rules)) (rule as { for?: string }).for = '0m';
    const dir = await mkdtemp(join(scratch, 'no-for-'));
    await writeFile(join(dir, 'rules.yaml'), stringify(spec));
    await copyFile(ALERT_TESTS, join(dir, 'alerts.test.yaml'));
    const result = await promtool(path, ['test', 'rules', 'alerts.test.yaml'], dir);
    assert.notEqual(result.code, 0, 'the tests notice that the `for` durations are gone');
  });

  it('have a unit test that sees each alert fire', async () => {
    const tests = parse(await readFile(ALERT_TESTS, 'utf8')) as {
      rule_files: string[];
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    assert.deepEqual(tests.rule_files, ['rules.yaml']);
    const fired = new Set(
      tests.tests.flatMap((test) => (test.alert_rule_test ?? []).filter((check) => check.exp_alerts.length > 0).map((check) => check.alertname)),
    );
    for (const rule of await alertRules()) assert.ok(fired.has(rule.alert!), `a test expects ${rule.alert} to fire`);
  });

  it('leave every dashboard query valid PromQL', async (t) => {
    const path = binary(t);
    if (!path) return;
    // Grafana fills in its variables before it queries; promtool parses the result as recording rules.
    const rules = (await dashboardQueries()).map((expr, index) => ({
      record: `confighash:dashboard_query_${index}`,
      expr: expr.replaceAll('$__rate_interval', '2m').replaceAll('$namespace', 'confighash-system'),
    }));
    const dir = await mkdtemp(join(scratch, 'dashboard-'));
    await writeFile(join(dir, 'dashboard-rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = await promtool(path, ['check', 'rules', '--lint=none', 'dashboard-rules.yaml'], dir);
    assert.equal(result.code, 0, result.output);
  });
});
