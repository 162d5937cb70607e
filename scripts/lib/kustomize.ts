// Renders the kustomize manifests with the pinned kustomize binary, and picks out the
// parts the demo and the tests apply to a local control plane.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const KUSTOMIZE_DIR = join(REPO_ROOT, 'kustomize');
export const OVERLAYS = ['cluster', 'namespaced', 'ha', 'sample', 'webhook', 'reloader-compat'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** The directory of the sample application alone (no namespace object, no controller). */
export const SAMPLE_APP_DIR = join(KUSTOMIZE_DIR, 'overlays/sample/app');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export class KustomizeBuildError extends Error {
  readonly retryable = false;
  constructor(dir: string, stderr: string, options?: ErrorOptions) {
    super(`kustomize build ${dir} failed: ${stderr.trim()}`, options);
    this.name = 'KustomizeBuildError';
  }
}

/** `kustomize build dir` with the pinned binary from binDir. */
export async function kustomizeBuild(binDir: string, dir: string): Promise<string> {
  try {
    const { stdout } = await run(join(binDir, 'kustomize'), ['build', dir], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    throw new KustomizeBuildError(dir, (error as { stderr?: string }).stderr ?? String(error), { cause: error });
  }
}

export function parseManifests(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null);
}

export function toYaml(manifests: Manifest[]): string {
  return manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}

/**
 * Builds a throwaway kustomization that puts the kustomization at `dir` into
 * `namespace`, the way a user's own overlay would. kustomize only accepts relative
 * paths to other kustomizations, so the temporary directory refers to dir relatively.
 */
export async function kustomizeBuildInNamespace(binDir: string, dir: string, namespace: string): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'confighash-kustomize-'));
  try {
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace,
      resources: [relative(scratch, dir)],
    };
    await writeFile(join(scratch, 'kustomization.yaml'), stringify(kustomization));
    return await kustomizeBuild(binDir, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface KustomizeImage {
  name: string;
  newName: string;
  newTag: string;
}

/**
 * `kustomize build` of a throwaway overlay on `dir`, the way a user points `images:` at
 * their own builds (and, optionally, sets a namespace).
 */
export async function kustomizeBuildWithImages(binDir: string, dir: string, images: KustomizeImage[], namespace?: string): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'confighash-kustomize-'));
  try {
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      ...(namespace ? { namespace } : {}),
      resources: [relative(scratch, dir)],
      images,
    };
    await writeFile(join(scratch, 'kustomization.yaml'), stringify(kustomization));
    return await kustomizeBuild(binDir, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const CONTROLLER_ACCESS_KINDS = new Set([
  'CustomResourceDefinition',
  'Namespace',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  // The multi-tenant policies (docs/security.md) judge writes made by people, not the controller's pod.
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);

/**
 * An overlay as a controller running outside the cluster (a local process) needs it:
 * the CRD, the namespaces, the ServiceAccount and its RBAC, the admission policies, and
 * everything in other
 * namespaces (the sample app); not the controller's own Deployment, Service or
 * PodDisruptionBudget, whose image a local control plane could not run.
 */
export function withoutControllerWorkload(manifests: Manifest[], controllerNamespace = 'confighash-system'): Manifest[] {
  return manifests.filter(
    (m) =>
      CONTROLLER_ACCESS_KINDS.has(m.kind) ||
      (m.metadata.namespace !== undefined && m.metadata.namespace !== controllerNamespace),
  );
}

/** The CustomResourceDefinitions of a manifest list, to apply (and wait for) before the rest. */
export function crdsOf(manifests: Manifest[]): Manifest[] {
  return manifests.filter((m) => m.kind === 'CustomResourceDefinition');
}
