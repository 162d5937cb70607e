// Writes the generated manifests from their single sources: today the AppConfig CRD
// from src/api/appconfig-schema.ts. `npm run generate`; a unit test fails when the
// committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCrdYaml, CRD_MANIFEST_PATH } from '../src/api/crd-manifest.ts';

const target = fileURLToPath(new URL(`../${CRD_MANIFEST_PATH}`, import.meta.url));
writeFileSync(target, renderCrdYaml());
console.log(`wrote ${CRD_MANIFEST_PATH}`);
