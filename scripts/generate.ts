// Writes the generated manifests from their single sources: the CRDs from the schemas in
// src/api/. `npm run generate`; a unit test fails when a committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_MANIFESTS } from '../src/api/crd-manifest.ts';

for (const crd of CRD_MANIFESTS) {
  writeFileSync(fileURLToPath(new URL(`../${crd.path}`, import.meta.url)), crd.render());
  console.log(`wrote ${crd.path}`);
}
