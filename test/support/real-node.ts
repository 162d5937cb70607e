// Helpers for the e2e tests on the real node (CONFIGHASH_TEST_NODE=real, `npm run test:e2e`):
// kustomize overlays the way a user writes one (`images:` pointing at the local builds),
// pods, and HTTP requests from the host to a pod's IP on the node's bridge.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { join } from 'node:path';
import { KUSTOMIZE_DIR, kustomizeBuildWithImages, type KustomizeImage } from '../../scripts/lib/kustomize.ts';
import { sampleAppImage } from '../../scripts/lib/local-images.ts';
import { adminKubeConfig, kubectl, testCluster } from './cluster.ts';
import { CONTROLLER_NAMESPACE } from './controller-access.ts';
import { waitFor } from './wait.ts';

/** Why a real-node test does not run on the kwok node, or undefined when it can run. */
export function realNodeMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.CONFIGHASH_TEST_NODE === 'real'
    ? undefined
    : 'needs the real node: run it with `npm run test:e2e` (CONFIGHASH_TEST_NODE=real), not on kwok';
}

/** The controller image from `npm run image`, loaded into the node's containerd. */
export const CONTROLLER_IMAGE_OVERRIDE: KustomizeImage = { name: 'confighash', newName: 'localhost/confighash', newTag: 'dev' };

export const sampleAppImageOverride = sampleAppImage;

/** `kustomize build` of a user's overlay on `dir`: its resources, with `images:` (and a namespace) set. */
export function buildOverlay(dir: string, opts: { images: KustomizeImage[]; namespace?: string }): Promise<string> {
  return kustomizeBuildWithImages(testCluster().binDir, dir, opts.images, opts.namespace);
}

export async function podsOf(namespace: string, labelSelector: string): Promise<V1Pod[]> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  return (await core.listNamespacedPod({ namespace, labelSelector })).items;
}

function isReady(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp === undefined && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Waits until exactly one pod matches and it is Ready (no old pod left, terminating or not), and returns it. */
export function waitForSingleReadyPod(namespace: string, labelSelector: string, opts: { not?: string; timeoutMs?: number } = {}): Promise<V1Pod> {
  return waitFor(
    async () => {
      const pods = await podsOf(namespace, labelSelector);
      const [pod] = pods;
      return pods.length === 1 && pod && isReady(pod) && pod.metadata?.name !== opts.not && pod;
    },
    { description: `exactly one Ready pod ${labelSelector} in ${namespace}${opts.not ? ` other than ${opts.not}` : ''}`, timeoutMs: opts.timeoutMs ?? 180_000, intervalMs: 500 },
  );
}

/** GET http://<pod IP>:<port><path> from the host (the node's bridge routes the pod network), as text. */
export async function getFromPod(pod: V1Pod, port: number, path = '/'): Promise<string> {
  const ip = pod.status?.podIP;
  if (!ip) throw new Error(`pod ${pod.metadata?.name} has no IP`);
  const res = await fetch(`http://${ip}:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET http://${ip}:${port}${path} answered ${res.status}`);
  return res.text();
}

/** `kubectl logs` of every container of the pods matching, for a failure message. */
export async function logsOf(namespace: string, labelSelector: string): Promise<string> {
  const result = await kubectl(['logs', '-n', namespace, '-l', labelSelector, '--all-containers', '--tail=40', '--prefix'], { allowFailure: true });
  return `${result.stdout}${result.stderr}`;
}

export const CONTROLLER_PODS = 'app.kubernetes.io/name=confighash,app.kubernetes.io/component=controller';

/**
 * Installs the controller as the README says (`kustomize build` of the cluster overlay with
 * `images:` at the local build, `kubectl apply -f -`), waits until its pod is Ready through
 * its own probes, and returns that pod. `uninstall` removes the controller's Deployment.
 */
export async function installController(): Promise<V1Pod> {
  await applyOverlay('cluster');
  return waitForSingleReadyPod(CONTROLLER_NAMESPACE, CONTROLLER_PODS);
}

/** `kustomize build kustomize/overlays/<overlay>` with `images:` at the local build, applied. */
export async function applyOverlay(overlay: 'cluster' | 'ha' | 'webhook'): Promise<void> {
  const manifests = await buildOverlay(join(KUSTOMIZE_DIR, 'overlays', overlay), { images: [CONTROLLER_IMAGE_OVERRIDE] });
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: manifests });
}

export async function uninstallController(): Promise<void> {
  await kubectl(['delete', 'deployment', 'confighash', '-n', CONTROLLER_NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=60s']);
}
