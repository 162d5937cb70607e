import { stringify } from 'yaml';
import { appConfigAuthorPolicy, appConfigAuthorPolicyBinding } from './appconfig-author-policy.ts';
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
  // Not a CRD, but generated the same way: one CEL validation per kind and per named workload, and the default kinds.
  manifest('kustomize/base/admission-appconfig-author.yaml', 'src/api/appconfig-author-policy.ts', () => [appConfigAuthorPolicy(), appConfigAuthorPolicyBinding()]),
];

function manifest(path: string, source: string, objects: () => Record<string, unknown> | Record<string, unknown>[]): CrdManifest {
  const documents = (): string => [objects()].flat().map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
  return {
    path,
    source,
    render: () => `# Generated from ${source} by \`npm run generate\`. Do not edit.\n${documents()}`,
  };
}
