import { AppsV1Api } from '@kubernetes/client-node';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { SAMPLE_APP_DIR, kustomizeBuildInNamespace, parseManifests, toYaml, type Manifest } from '../../scripts/lib/kustomize.ts';
import { adminKubeConfig, testCluster } from './cluster.ts';
import { workloadRecord } from './records.ts';
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
  /** The WorkloadRecord's checksum when the template does not carry it (placement Baseline). */
  baseline?: string;
  /** metadata.annotations[deployment.kubernetes.io/revision] */
  revision?: string;
}

export async function sampleAnnotations(namespace: string): Promise<SampleAnnotations> {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  const d = await apps.readNamespacedDeployment({ namespace, name: SAMPLE.deployment });
  const metadata = d.metadata?.annotations ?? {};
  const template = d.spec?.template.metadata?.annotations ?? {};
  const record = await workloadRecord(namespace, 'Deployment', SAMPLE.deployment);
  return {
    ...(template[CHECKSUM_ANNOTATION] !== undefined ? { checksum: template[CHECKSUM_ANNOTATION] } : {}),
    ...(record?.placement === 'Baseline' ? { baseline: record.checksum } : {}),
    ...(metadata['deployment.kubernetes.io/revision'] !== undefined ? { revision: metadata['deployment.kubernetes.io/revision'] } : {}),
  };
}

/** Waits until the controller has recorded the sample Deployment, and returns the recorded checksum. */
export function waitForAdoption(namespace: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(async () => (await workloadRecord(namespace, 'Deployment', SAMPLE.deployment))?.checksum ?? false, {
    description: `confighash to record Deployment ${namespace}/${SAMPLE.deployment}`,
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
