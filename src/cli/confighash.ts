#!/usr/bin/env node
// `confighash render` (and `confighash migrate`, src/cli/migrate-command.ts): render stamps
// content checksums into a manifest stream offline (stdin to
// stdout), as a filter after `kustomize build` or as a KRM exec function. I/O only; the
// work is src/render/stamp-stream.ts, which uses the controller's own core.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { WorkloadKinds, type WorkloadKindSpec } from '../api/workload-kinds.ts';
import { ConfigError } from '../config/config-error.ts';
import { parseWorkloadKinds, requestedKindSpec } from '../config/workload-kinds.ts';
import { isRecord } from '../core/is-record.ts';
import { RENDER_KINDS, stampChecksums, type Manifest, type Stamped } from '../render/stamp-stream.ts';
import { migrateCommand, MIGRATE_USAGE } from './migrate-command.ts';

const USAGE = `Usage: confighash render [--workload-kind GROUP/VERSION/KIND=POINTER ...] < manifests.yaml > stamped.yaml
       confighash --help

Reads a multi-document YAML stream (for example the output of \`kustomize build\`), or a
KRM ResourceList (as a kustomize exec function), and writes it back with the checksum
annotation confighash.dev/checksum in the pod template of every Deployment, StatefulSet,
DaemonSet, CronJob and Argo Rollout that an AppConfig in the stream covers, and of every
kind given by --workload-kind (as for the controller). The checksum is computed from the
ConfigMaps in the stream exactly as the controller computes it; Secrets are left out.
`;

function main(argv: string[]): number | Promise<number> {
  if (argv[0] === 'migrate') {
    if (argv.includes('--help') || argv.includes('-h')) return (process.stdout.write(MIGRATE_USAGE), 0);
    return migrateCommand(argv.slice(1));
  }
  // Asked for, the usage is the answer (stdout, exit 0); anything but `render` is a usage error.
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(argv[0] === 'render' ? USAGE : `${USAGE}\n${MIGRATE_USAGE}`);
    return 0;
  }
  if (argv[0] !== 'render') {
    process.stderr.write(`confighash: ${argv[0] === undefined ? 'no command given' : `unknown command "${argv[0]}"`}\n\n${USAGE}\n${MIGRATE_USAGE}`);
    return 2;
  }
  let kinds: WorkloadKinds;
  try {
    kinds = renderKinds(argv.slice(1));
  } catch (err) {
    if (!(err instanceof ConfigError) && (err as { code?: unknown }).code === undefined) throw err;
    process.stderr.write(`confighash render: ${(err as Error).message}\n`);
    return 2;
  }
  const input = readFileSync(0, 'utf8');
  const documents = parseAllDocuments(input);
  const errors = documents.flatMap((doc) => doc.errors.map((e) => e.message));
  if (errors.length > 0) {
    process.stderr.write(`confighash render: the input is not valid YAML: ${errors[0]}\n`);
    return 1;
  }
  const values = documents.map((doc) => doc.toJS() as unknown).filter(isRecord);
  const [first] = values;
  if (values.length === 1 && first?.kind === 'ResourceList' && Array.isArray(first.items)) {
    const { manifests, stamped } = stampChecksums(first.items.filter(isRecord) as Manifest[], kinds);
    process.stdout.write(stringify({ ...first, items: manifests }, { lineWidth: 0 }));
    report(stamped);
    return 0;
  }
  const { manifests, stamped } = stampChecksums(values as Manifest[], kinds);
  process.stdout.write(manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n'));
  report(stamped);
  return 0;
}

/** The default and known kinds, and each --workload-kind (offline: no server to ask, so nothing is checked against one). */
function renderKinds(args: string[]): WorkloadKinds {
  const { values } = parseArgs({ args, options: { 'workload-kind': { type: 'string', multiple: true } }, strict: true, allowPositionals: false });
  const requests = parseWorkloadKinds((values['workload-kind'] ?? []).map((text) => ({ text, origin: '--workload-kind' })));
  if (requests.length === 0) return RENDER_KINDS;
  const specs: WorkloadKindSpec[] = [...RENDER_KINDS.all];
  for (const request of requests) {
    if (specs.some((spec) => spec.kind === request.kind && spec.apiVersion === request.apiVersion)) continue;
    specs.push(requestedKindSpec(request, ''));
  }
  return new WorkloadKinds(specs);
}

function report(stamped: readonly Stamped[]): void {
  for (const s of stamped) {
    const who = `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
    if (s.missing.length > 0) {
      process.stderr.write(`confighash render: left ${who} unstamped: ConfigMap ${s.missing.join(', ')} not in the stream\n`);
      continue;
    }
    const secrets = s.secretsLeftOut.length > 0 ? ` (Secrets left out: ${s.secretsLeftOut.join(', ')})` : '';
    process.stderr.write(`confighash render: ${who} ${s.checksum}${secrets}\n`);
  }
}

void Promise.resolve(main(process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});
