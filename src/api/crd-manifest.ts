import { stringify } from 'yaml';
import { appConfigCrd, workloadRecordCrd } from './crd.ts';

/** A generated CRD manifest: where it lives in the repository, and what renders it. */
export interface CrdManifest {
  readonly path: string;
  readonly source: string;
  render(): string;
}

export const CRD_MANIFESTS: readonly CrdManifest[] = [
  manifest('kustomize/base/crd-appconfig.yaml', 'src/api/appconfig-schema.ts', appConfigCrd),
  manifest('kustomize/base/crd-workloadrecord.yaml', 'src/api/workload-record-schema.ts', workloadRecordCrd),
];

function manifest(path: string, source: string, crd: () => Record<string, unknown>): CrdManifest {
  return {
    path,
    source,
    render: () => `# Generated from ${source} by \`npm run generate\`. Do not edit.\n${stringify(crd(), { lineWidth: 0 })}`,
  };
}
