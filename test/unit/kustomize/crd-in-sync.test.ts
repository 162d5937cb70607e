import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { CRD_MANIFESTS } from '../../../src/api/crd-manifest.ts';

for (const crd of CRD_MANIFESTS) {
  test(`the committed ${crd.path} is exactly what \`npm run generate\` renders from ${crd.source}`, async () => {
    const committed = await readFile(fileURLToPath(new URL(`../../../${crd.path}`, import.meta.url)), 'utf8');
    // Compare the parsed documents first, so a stale file fails with a readable structural diff.
    assert.deepEqual(documentsOf(committed), documentsOf(crd.render()), `${crd.path} is stale: run \`npm run generate\``);
    assert.equal(committed, crd.render(), `${crd.path} differs in formatting: run \`npm run generate\``);
  });
}

function documentsOf(text: string): unknown[] {
  return parseAllDocuments(text).map((document) => document.toJS());
}
