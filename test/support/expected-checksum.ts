import { CoreV1Api } from '@kubernetes/client-node';
import { HMAC_SECRET_KEY, HMAC_SECRET_NAME } from '../../src/api/constants.ts';
import { digestConfigMapContent, digestSecretContent, hmacKeyId, workloadChecksum } from '../../src/core/checksum.ts';
import { scopeFromKeys } from '../../src/core/references.ts';
import type { ScopedSource } from '../../src/core/types.ts';
import { adminKubeConfig } from './cluster.ts';
import { CONTROLLER_NAMESPACE } from './controller-access.ts';

/** One source as a workload counts it: its content, and the keys that count (absent: all). */
export interface ExpectedSource {
  data: Record<string, string>;
  keys?: string[];
}

export interface ExpectedSources {
  configMaps?: Record<string, ExpectedSource>;
  /** Secret values as plain text (stringData); the API stores them base64-encoded. */
  secrets?: Record<string, ExpectedSource>;
}

/** The HMAC key the controller created in its own namespace (the default --hmac-secret-namespace). */
async function controllerHmacKey(): Promise<Buffer> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const secret = await core.readNamespacedSecret({ namespace: CONTROLLER_NAMESPACE, name: HMAC_SECRET_NAME });
  const encoded = secret.data?.[HMAC_SECRET_KEY];
  if (!encoded) throw new Error(`Secret ${CONTROLLER_NAMESPACE}/${HMAC_SECRET_NAME} has no ${HMAC_SECRET_KEY}`);
  return Buffer.from(encoded, 'base64');
}

/**
 * The checksum the core computes for a workload counting exactly these sources, computed
 * here from the content the test wrote (and, for Secrets, the controller's HMAC key).
 */
export async function expectedChecksum(sources: ExpectedSources): Promise<string> {
  const secrets = Object.entries(sources.secrets ?? {});
  const key = secrets.length > 0 ? await controllerHmacKey() : undefined;
  const scoped: ScopedSource[] = [
    ...Object.entries(sources.configMaps ?? {}).map(([name, { data, keys }]) => ({
      kind: 'ConfigMap' as const,
      name,
      scope: scopeFromKeys(keys),
      digest: digestConfigMapContent({ data }),
    })),
    ...secrets.map(([name, { data, keys }]) => {
      const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
      return { kind: 'Secret' as const, name, scope: scopeFromKeys(keys), digest: digestSecretContent({ data: encoded }, key!) };
    }),
  ];
  return workloadChecksum(scoped, key ? hmacKeyId(key) : 'no-secrets-so-unused');
}
