#!/usr/bin/env node
// `confighash render`: stamps content checksums into a manifest stream offline (stdin to
// stdout), as a filter after `kustomize build` or as a KRM exec function. I/O only; the
// work is src/render/stamp-stream.ts, which uses the controller's own core.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { isRecord } from '../core/is-record.ts';
import { stampChecksums, type Manifest, type Stamped } from '../render/stamp-stream.ts';

const USAGE = `Usage: confighash render < manifests.yaml > stamped.yaml

Reads a multi-document YAML stream (for example the output of \`kustomize build\`), or a
KRM ResourceList (as a kustomize exec function), and writes it back with the checksum
annotation confighash.dev/checksum in the pod template of every Deployment, StatefulSet
and DaemonSet that an AppConfig in the stream covers. The checksum is computed from the
ConfigMaps in the stream exactly as the controller computes it; Secrets are left out.
`;

function main(argv: string[]): number {
  if (argv[0] !== 'render' || argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(USAGE);
    return argv[0] === 'render' ? 0 : 2;
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
    const { manifests, stamped } = stampChecksums(first.items.filter(isRecord) as Manifest[]);
    process.stdout.write(stringify({ ...first, items: manifests }, { lineWidth: 0 }));
    report(stamped);
    return 0;
  }
  const { manifests, stamped } = stampChecksums(values as Manifest[]);
  process.stdout.write(manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n'));
  report(stamped);
  return 0;
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

process.exitCode = main(process.argv.slice(2));
