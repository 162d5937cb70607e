// Writes the generated files from their single sources: the CRDs from the schemas in
// src/api/, docs/flags.md from the controller's `--help`, docs/metrics.md from the metric
// definitions. `npm run generate`; unit tests fail when a committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_MANIFESTS } from '../src/api/crd-manifest.ts';
import { controllerHelpText, FLAGS_REFERENCE_PATH, renderFlagsReference } from './lib/docs/flags-reference.ts';
import { confighashMetrics, METRICS_REFERENCE_PATH, renderMetricsReference } from './lib/docs/metrics-reference.ts';

function write(path: string, text: string): void {
  writeFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), text);
  console.log(`wrote ${path}`);
}

for (const crd of CRD_MANIFESTS) write(crd.path, crd.render());
write(FLAGS_REFERENCE_PATH, renderFlagsReference(controllerHelpText()));
write(METRICS_REFERENCE_PATH, renderMetricsReference(await confighashMetrics()));
