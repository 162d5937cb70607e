import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';

export interface KubeconfigSpec {
  server: string;
  /** PEM of the CA that signed the apiserver's serving certificate; embedded, never skipped. */
  caPem: string;
  userName: string;
  token: string;
  contextName?: string;
  namespace?: string;
}

export function kubeconfigYaml(spec: KubeconfigSpec): string {
  const context = spec.contextName ?? 'confighash';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: context,
        cluster: { server: spec.server, 'certificate-authority-data': Buffer.from(spec.caPem).toString('base64') },
      },
    ],
    users: [{ name: spec.userName, user: { token: spec.token } }],
    contexts: [
      {
        name: context,
        context: { cluster: context, user: spec.userName, ...(spec.namespace ? { namespace: spec.namespace } : {}) },
      },
    ],
    'current-context': context,
    preferences: {},
  });
}

/** Kubeconfigs hold bearer tokens, so only the owner may read them. */
export async function writeKubeconfig(file: string, spec: KubeconfigSpec): Promise<string> {
  await writeFile(file, kubeconfigYaml(spec), { mode: 0o600 });
  return file;
}

interface KubeconfigDocument {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
}

/** Server and CA of the current context, for writing more kubeconfigs to the same cluster. */
export async function readClusterOf(file: string): Promise<{ server: string; caPem: string }> {
  const doc = parse(await readFile(file, 'utf8')) as KubeconfigDocument;
  const contextName = doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === contextName);
  const cluster = doc.clusters?.find((c) => c.name === context?.context.cluster);
  const caData = cluster?.cluster['certificate-authority-data'];
  if (!cluster || !caData) {
    throw new Error(`${file}: the current context has no cluster with certificate-authority-data`);
  }
  return { server: cluster.cluster.server, caPem: Buffer.from(caData, 'base64').toString('utf8') };
}
