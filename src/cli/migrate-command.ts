// `confighash migrate`: prints the AppConfigs that Stakater Reloader's annotations amount to.
// I/O only (files, stdin, the apiserver, stdout/stderr); the translation is
// src/migrate/reloader-migration.ts, which uses the controller's own core.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { isRecord } from '../core/is-record.ts';
import { clusterManifests } from '../migrate/cluster-manifests.ts';
import { MIGRATE_KINDS, migrateReloaderAnnotations, type Manifest } from '../migrate/reloader-migration.ts';

export const MIGRATE_USAGE = `Usage: confighash migrate [--strip] [PATH ...]        (PATH: a file or directory; none or - reads stdin)
       confighash migrate --from-cluster [--namespace NS]

Prints, as a YAML stream, the AppConfigs that the Stakater Reloader annotations of the
workloads amount to (reloader.stakater.com/auto, configmap.reloader.stakater.com/reload,
search and match, ignore, the exclude lists), one per namespace and set of sources, each
naming the workloads it covers. The controller on them counts what --reloader-annotations
counts for the same objects. Notes (expressions resolved to the objects of today, workloads
left out, bad expressions) go to stderr.

  --strip            also print the input manifests without the Reloader annotations
                     (a workload whose pod template carried them rolls once when applied)
  --from-cluster     read the live workloads, AppConfigs, and the names and annotations of
                     ConfigMaps and Secrets (metadata only) through the current kubeconfig
  -n, --namespace NS with --from-cluster: only this namespace (default: all)

Examples:
  kustomize build overlays/prod | confighash migrate --strip > migrated.yaml
  confighash migrate --from-cluster -n shop | kubectl apply -f -
`;

class UsageError extends Error {}

export async function migrateCommand(argv: readonly string[]): Promise<number> {
  let options: { strip: boolean; fromCluster: boolean; namespace: string | undefined; paths: string[] };
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError) && (error as { code?: unknown }).code === undefined) throw error;
    process.stderr.write(`confighash migrate: ${(error as Error).message}\n\n${MIGRATE_USAGE}`);
    return 2;
  }
  let manifests: Manifest[];
  try {
    manifests = options.fromCluster ? await fromCluster(options.namespace) : readManifests(options.paths);
  } catch (error) {
    process.stderr.write(`confighash migrate: ${(error as Error).message}\n`);
    return 1;
  }
  const migration = migrateReloaderAnnotations(manifests);
  const out = [...migration.appConfigs, ...(options.strip ? migration.stripped : [])];
  process.stdout.write(out.map((m) => stringify(m, { lineWidth: 0 })).join('---\n'));
  for (const note of migration.notes) process.stderr.write(`confighash migrate: ${note}\n`);
  process.stderr.write(`confighash migrate: ${migration.appConfigs.length} AppConfig(s) from ${manifests.length} object(s)\n`);
  return 0;
}

function parseOptions(argv: readonly string[]): { strip: boolean; fromCluster: boolean; namespace: string | undefined; paths: string[] } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { strip: { type: 'boolean' }, 'from-cluster': { type: 'boolean' }, namespace: { type: 'string', short: 'n' } },
    strict: true,
    allowPositionals: true,
  });
  const fromCluster = values['from-cluster'] === true;
  if (fromCluster && positionals.length > 0) throw new UsageError('--from-cluster reads no files; give either paths or --from-cluster');
  if (fromCluster && values.strip) throw new UsageError('--strip rewrites manifests; for live objects remove the annotations with kubectl annotate KIND NAME KEY-');
  if (!fromCluster && values.namespace !== undefined) throw new UsageError('--namespace goes with --from-cluster');
  return { strip: values.strip === true, fromCluster, namespace: values.namespace, paths: positionals };
}

function readManifests(paths: readonly string[]): Manifest[] {
  if (paths.length === 0 || (paths.length === 1 && paths[0] === '-')) return parseStream(readFileSync(0, 'utf8'), 'stdin');
  return paths.flatMap((path) => filesUnder(path)).flatMap((file) => parseStream(readFileSync(file, 'utf8'), file));
}

/** A file, or the .yaml, .yml and .json files under a directory, in name order. */
function filesUnder(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${path}: no such file or directory`);
  if (!stat.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return filesUnder(child);
      return /\.(ya?ml|json)$/.test(entry.name) ? [child] : [];
    });
}

/** YAML documents, with List and ResourceList objects opened into their items. */
function parseStream(text: string, origin: string): Manifest[] {
  const documents = parseAllDocuments(text);
  const documentList = Array.isArray(documents) ? documents : [documents];
  const error = documentList.flatMap((doc) => doc.errors)[0];
  if (error) throw new Error(`${origin} is not valid YAML: ${error.message}`);
  return documentList.map((doc) => doc.toJS() as unknown).filter(isRecord).flatMap((value) => {
    if ((value.kind === 'List' || value.kind === 'ResourceList') && Array.isArray(value.items)) return value.items.filter(isRecord);
    return [value];
  });
}

async function fromCluster(namespace: string | undefined): Promise<Manifest[]> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return clusterManifests(kubeConfig, MIGRATE_KINDS, namespace, AbortSignal.timeout(120_000));
}
