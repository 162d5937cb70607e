// Writes the generated files from their single sources: the CRDs from the schemas in
// src/api/, then the chart's copies of kustomize objects and its README values table
// (scripts/lib/chart-files.ts). `npm run generate`; unit tests fail when a committed file is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_MANIFESTS } from '../src/api/crd-manifest.ts';
import { CHART_FILES } from './lib/chart-files.ts';

const repoPath = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

for (const crd of CRD_MANIFESTS) {
  writeFileSync(repoPath(crd.path), crd.render());
  console.log(`wrote ${crd.path}`);
}
// After the CRDs: the chart copies them.
for (const file of CHART_FILES) {
  const content = file.render();
  mkdirSync(dirname(repoPath(file.path)), { recursive: true });
  writeFileSync(repoPath(file.path), content);
  console.log(`wrote ${file.path} (from ${file.source})`);
}
