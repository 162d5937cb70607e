import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CHART_FILES } from '../../../scripts/lib/chart-files.ts';
import { REPO_ROOT } from '../../../scripts/lib/kustomize.ts';
import { valueRows, type JsonSchema } from '../../../scripts/lib/chart-values-table.ts';

for (const file of CHART_FILES) {
  test(`the committed ${file.path} is what \`npm run generate\` makes from ${file.source}`, async () => {
    const committed = await readFile(join(REPO_ROOT, file.path), 'utf8');
    assert.equal(committed, file.render(), `${file.path} is stale: run \`npm run generate\``);
  });
}

async function chartJson<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(join(REPO_ROOT, 'charts/confighash', name), 'utf8')) as T;
}

/** Every leaf key of a values object, dotted; free-form maps and lists count as leaves. */
function leafKeys(value: unknown, schema: JsonSchema, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !schema.properties) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => {
    const childSchema = schema.properties?.[key];
    assert.ok(childSchema, `values.yaml has ${prefix ? `${prefix}.` : ''}${key}, which values.schema.json does not describe`);
    const resolved = childSchema.$ref ? {} : childSchema;
    return leafKeys(child, resolved, prefix ? `${prefix}.${key}` : key);
  });
}

test('every value in values.yaml is described in values.schema.json and listed in the README', async () => {
  const schema = await chartJson<JsonSchema>('values.schema.json');
  const values: unknown = parse(await readFile(join(REPO_ROOT, 'charts/confighash/values.yaml'), 'utf8'));
  const documented = new Set(valueRows(schema).map((row) => row.key));
  const readme = await readFile(join(REPO_ROOT, 'charts/confighash/README.md'), 'utf8');
  for (const key of leafKeys(values, schema)) {
    assert.ok(documented.has(key), `${key} has no row in the values table`);
    assert.ok(readme.includes(`| \`${key}\` |`), `charts/confighash/README.md does not list ${key}`);
  }
  for (const row of valueRows(schema)) assert.notEqual(row.description, '', `${row.key} has no description in the schema`);
});

test("the chart's appVersion is the controller's version in package.json", async () => {
  const chart = parse(await readFile(join(REPO_ROOT, 'charts/confighash/Chart.yaml'), 'utf8')) as { appVersion: string };
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(chart.appVersion, pkg.version);
});
