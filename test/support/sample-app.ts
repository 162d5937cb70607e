import { AppsV1Api } from '@kubernetes/client-node';
import { BASELINE_ANNOTATION, CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { SAMPLE_APP_DIR, kustomizeBuildInNamespace, parseManifests, toYaml, type Manifest } from '../../scripts/lib/kustomize.ts';
import { adminKubeConfig, testCluster } from './cluster.ts';
import { waitFor } from './wait.ts';

/** The names in kustomize/overlays/sample/app. */
export const SAMPLE = {
  deployment: 'sample-node-api',
  configMap: 'node-app-config',
  secret: 'node-app-secret',
  appConfig: 'node-api',
} as const;

/** A checksum covering a Secret: format version, HMAC key id, SHA-256 hex. */
export const KEYED_CHECKSUM = /^v1\.[0-9a-f]{8}\.[0-9a-f]{64}$/;

/** The sample app's manifests as kustomize renders them into `namespace`. */
export async function sampleAppManifests(namespace: string): Promise<Manifest[]> {
  return parseManifests(await kustomizeBuildInNamespace(testCluster().binDir, SAMPLE_APP_DIR, namespace));
}

/** The manifests with a key added to the ConfigMap, as a commit to the Git repository would. */
export function withConfigMapKey(manifests: Manifest[], key: string, value: string): Manifest[] {
  return manifests.map((m) => {
    if (m.kind !== 'ConfigMap' || m.metadata.name !== SAMPLE.configMap) return m;
    return { ...m, data: { ...(m.data as Record<string, string>), [key]: value } };
  });
}

export { toYaml };

export interface SampleAnnotations {
  /** spec.template.metadata.annotations[confighash.dev/checksum] */
  checksum?: string;
  /** metadata.annotations[confighash.dev/baseline] */
  baseline?: string;
  /** metadata.annotations[deployment.kubernetes.io/revision] */
  revision?: string;
}

export async function sampleAnnotations(namespace: string): Promise<SampleAnnotations> {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  const d = await apps.readNamespacedDeployment({ namespace, name: SAMPLE.deployment });
  const metadata = d.metadata?.annotations ?? {};
  const template = d.spec?.template.metadata?.annotations ?? {};
  return {
    ...(template[CHECKSUM_ANNOTATION] !== undefined ? { checksum: template[CHECKSUM_ANNOTATION] } : {}),
    ...(metadata[BASELINE_ANNOTATION] !== undefined ? { baseline: metadata[BASELINE_ANNOTATION] } : {}),
    ...(metadata['deployment.kubernetes.io/revision'] !== undefined ? { revision: metadata['deployment.kubernetes.io/revision'] } : {}),
  };
}

/** Waits until the controller has adopted the sample Deployment, and returns its baseline. */
export function waitForAdoption(namespace: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(async () => (await sampleAnnotations(namespace)).baseline ?? false, {
    description: `confighash to record a baseline on Deployment ${namespace}/${SAMPLE.deployment}`,
    timeoutMs,
  });
}

/** Waits until the pod-template checksum differs from `previous` (a rollout was requested), and returns it. */
export function waitForTemplateChecksum(namespace: string, previous: string | undefined, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    async () => {
      const { checksum } = await sampleAnnotations(namespace);
      return checksum !== undefined && checksum !== previous ? checksum : false;
    },
    { description: `a new confighash checksum in the pod template of ${namespace}/${SAMPLE.deployment}`, timeoutMs },
  );
}
