import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CRD_MANIFEST_PATH, renderCrdYaml } from '../../../src/api/crd-manifest.ts';

const committedPath = fileURLToPath(new URL(`../../../${CRD_MANIFEST_PATH}`, import.meta.url));

test('the committed CRD manifest is exactly what `npm run generate` renders from the schema source', async () => {
  const committed = await readFile(committedPath, 'utf8');
  // Compare the parsed documents first, so a stale file fails with a readable structural diff.
  assert.deepEqual(parse(committed), parse(renderCrdYaml()), `${CRD_MANIFEST_PATH} is stale: run \`npm run generate\``);
  assert.equal(committed, renderCrdYaml(), `${CRD_MANIFEST_PATH} differs in formatting: run \`npm run generate\``);
});
