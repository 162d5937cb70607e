import { stringify } from 'yaml';
import { appConfigCrd } from './crd.ts';

/** Where the generated CRD lives in the repository, relative to its root. */
export const CRD_MANIFEST_PATH = 'kustomize/base/crd-appconfig.yaml';

export function renderCrdYaml(): string {
  return `# Generated from src/api/appconfig-schema.ts by \`npm run generate\`. Do not edit.\n${stringify(appConfigCrd(), { lineWidth: 0 })}`;
}
