import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** Repository root, for reading the manifests the way kustomize sees them. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Every YAML document in a repository file, as plain objects. */
export async function readManifests(relativePath: string): Promise<Manifest[]> {
  const text = await readFile(new URL(relativePath, `file://${repoRoot}`), 'utf8');
  return parseAllDocuments(text).map((doc) => doc.toJS() as Manifest);
}

export async function readManifest(relativePath: string): Promise<Manifest> {
  const [first] = await readManifests(relativePath);
  if (!first) throw new Error(`${relativePath} holds no YAML document`);
  return first;
}
