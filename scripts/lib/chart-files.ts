// The parts of charts/confighash that come from elsewhere in the repository, so that the
// chart and the kustomize base have one source: `npm run generate` writes them, and
// test/unit/chart/chart-files-in-sync.test.ts fails when a committed one is stale.
//   - objects that take no value (the CRDs, the watch rules, the monitoring alerts and
//     dashboard) are copied from kustomize/ as they are, and the chart's templates read
//     them with .Files.Get;
//   - the values table of the chart's README is rendered from values.schema.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './kustomize.ts';
import { renderValuesTable, VALUES_TABLE_END, VALUES_TABLE_START, type JsonSchema } from './chart-values-table.ts';

export const CHART_DIR = join(REPO_ROOT, 'charts/confighash');

/**
 * Files of kustomize/base with no per-install value (no image, no flag, no name other than
 * confighash's own) that the chart renders as they are (templates/copied-from-base.yaml),
 * in the release namespace. A new such file in the base goes here, then `npm run generate`;
 * the template-vs-kustomize test names any object of the base the chart lacks.
 */
export const COPIED_BASE_FILES: readonly string[] = ['admission-appconfig-author.yaml', 'admission-workloadrecord-writers.yaml', 'clusterroles-aggregated.yaml'];

export interface ChartFile {
  /** Path inside the repository. */
  readonly path: string;
  /** Where its content comes from, for messages. */
  readonly source: string;
  render(): string;
}

function read(relativePath: string): string {
  return readFileSync(join(REPO_ROOT, relativePath), 'utf8');
}

function copied(chartPath: string, source: string): ChartFile {
  return { path: `charts/confighash/${chartPath}`, source, render: () => read(source) };
}

const CHART_README = 'charts/confighash/README.md';

/** The chart README with its values table (between the two markers) rendered from the schema. */
function readmeWithValuesTable(): string {
  const current = read(CHART_README);
  const start = current.indexOf(VALUES_TABLE_START);
  const end = current.indexOf(VALUES_TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`${CHART_README} must hold the markers ${VALUES_TABLE_START} and ${VALUES_TABLE_END}`);
  }
  const schema = JSON.parse(read('charts/confighash/values.schema.json')) as JsonSchema;
  return `${current.slice(0, start + VALUES_TABLE_START.length)}\n${renderValuesTable(schema, read('charts/confighash/values.yaml'))}${current.slice(end)}`;
}

export const CHART_FILES: readonly ChartFile[] = [
  copied('files/crds/appconfigs.confighash.dev.yaml', 'kustomize/base/crd-appconfig.yaml'),
  copied('files/crds/workloadrecords.confighash.dev.yaml', 'kustomize/base/crd-workloadrecord.yaml'),
  copied('files/controller-rules.yaml', 'kustomize/base/clusterrole.yaml'),
  copied('files/monitoring/prometheusrule.yaml', 'kustomize/components/monitoring/prometheusrule.yaml'),
  copied('files/monitoring/dashboard.json', 'kustomize/components/monitoring/dashboard.json'),
  ...COPIED_BASE_FILES.map((file) => copied(`files/base/${file}`, `kustomize/base/${file}`)),
  { path: CHART_README, source: 'charts/confighash/values.schema.json', render: readmeWithValuesTable },
];
