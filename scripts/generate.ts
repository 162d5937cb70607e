// Writes the generated files from their single sources: the CRDs from the schemas in
// src/api/, docs/flags.md from the controller's `--help`, docs/metrics.md from the metric
// definitions, then the chart's copies of kustomize objects and its README values table
// (scripts/lib/chart-files.ts). `npm run generate`; unit tests fail when a committed file is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_MANIFESTS } from '../src/api/crd-manifest.ts';
import { CHART_FILES } from './lib/chart-files.ts';
import { controllerHelpText, FLAGS_REFERENCE_PATH, renderFlagsReference } from './lib/docs/flags-reference.ts';
import { confighashMetrics, METRICS_REFERENCE_PATH, renderMetricsReference } from './lib/docs/metrics-reference.ts';

function write(path: string, text: string, from?: string): void {
  const file = fileURLToPath(new URL(`../${path}`, import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(from ? `wrote ${path} (from ${from})` : `wrote ${path}`);
}

for (const crd of CRD_MANIFESTS) write(crd.path, crd.render());
write(FLAGS_REFERENCE_PATH, renderFlagsReference(controllerHelpText()));
write(METRICS_REFERENCE_PATH, renderMetricsReference(await confighashMetrics()));
// After the CRDs: the chart copies them.
for (const file of CHART_FILES) write(file.path, file.render(), file.source);
