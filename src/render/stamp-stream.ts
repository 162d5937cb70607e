import { CHECKSUM_ANNOTATION, type WorkloadKind } from '../api/constants.ts';
import { DEFAULT_WORKLOAD_KINDS, KNOWN_WORKLOAD_KINDS, WorkloadKinds, type WorkloadKindSpec } from '../api/workload-kinds.ts';
import type { AppConfigSpec } from '../api/appconfig.ts';
import { configMapChecksum, digestConfigMapContent } from '../core/checksum.ts';
import { coversWorkload, sourcesForWorkload, templateUsersOf } from '../core/coverage.ts';
import { isRecord } from '../core/is-record.ts';
import { pointerSegments } from '../core/json-pointer.ts';
import { parseSourceId } from '../core/references.ts';
import type { ContentDigest, ScopedSource, WorkloadFacts } from '../core/types.ts';
import { workloadFacts } from '../k8s/projections.ts';

/** What render stamps without flags: the default kinds and the known ones (Argo Rollouts). */
export const RENDER_KINDS = new WorkloadKinds([...DEFAULT_WORKLOAD_KINDS, ...KNOWN_WORKLOAD_KINDS]);

/** A Kubernetes object as it stands in a manifest stream: plain JSON. */
export type Manifest = Record<string, unknown>;

/** What `stampChecksums` did to one workload, for the CLI's report on stderr. */
export interface Stamped {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly checksum: string;
  /** Secrets that count for the workload but are not part of the checksum (not in Git, and keyed per install). */
  readonly secretsLeftOut: readonly string[];
  /** Listed ConfigMaps that are not in the stream: the workload is left unstamped. */
  readonly missing: readonly string[];
}

/**
 * Stamps the checksum into every workload of a manifest stream that an AppConfig of the same
 * stream covers, computed by the controller's own core from the ConfigMaps in the stream.
 * Secrets are left out of an offline checksum: Git rarely holds them and their digests are
 * keyed per install. A workload whose sources are all ConfigMaps gets exactly the checksum
 * the controller computes, so the controller finds it in sync and writes nothing to it; one
 * that also reads Secrets gets a ConfigMap-only checksum, which the controller records
 * without rolling (its decision table compares per-key content, never this value). A workload
 * whose listed ConfigMaps are not all in the stream is left as it is. Returns new objects;
 * the input is not changed.
 */
export function stampChecksums(manifests: readonly Manifest[], kinds: WorkloadKinds = RENDER_KINDS): { manifests: Manifest[]; stamped: Stamped[] } {
  const configMaps = new Map<string, ContentDigest>();
  const appConfigs: { namespace: string; spec: AppConfigSpec }[] = [];
  for (const manifest of manifests) {
    const { kind, namespace, name } = identity(manifest);
    if (kind === 'ConfigMap') configMaps.set(`${namespace}/${name}`, digestConfigMapContent(contentOf(manifest)));
    if (kind === 'AppConfig' && isRecord(manifest.spec)) appConfigs.push({ namespace, spec: manifest.spec as AppConfigSpec });
  }
  const workloads = manifests.map((manifest) => {
    const kind = kinds.byApiVersion(manifest.apiVersion, manifest.kind);
    const facts = kind ? workloadOf(kind, manifest) : undefined;
    return kind && facts ? { kind, facts } : undefined;
  });
  const allFacts = workloads.flatMap((w) => (w ? [w.facts] : []));
  const stamped: Stamped[] = [];
  const out = manifests.map((manifest, index) => {
    const workload = workloads[index];
    if (!workload) return manifest;
    const { kind, facts } = workload;
    const users = templateUsersOf(facts, allFacts).filter((user) => user.namespace === facts.namespace);
    const covering = appConfigs.filter((ac) => ac.namespace === facts.namespace && coversWorkload(ac.spec, facts, users)).map((ac) => ac.spec);
    const wanted = sourcesForWorkload(covering, facts, users);
    if (wanted.size === 0) return manifest;
    const sources: ScopedSource[] = [];
    const secretsLeftOut: string[] = [];
    const missing: string[] = [];
    for (const [id, scope] of wanted) {
      const { kind, name } = parseSourceId(id);
      if (kind === 'Secret') {
        secretsLeftOut.push(name);
        continue;
      }
      const digest = configMaps.get(`${facts.namespace}/${name}`);
      if (digest === undefined) missing.push(name);
      else sources.push({ kind, name, scope, digest });
    }
    if (missing.length > 0 || sources.length === 0) {
      stamped.push({ kind: facts.kind, namespace: facts.namespace, name: facts.name, checksum: '', secretsLeftOut, missing });
      return manifest;
    }
    // Only ConfigMaps count here: the checksum the webhook recognises as coming from Git.
    const checksum = configMapChecksum(sources) ?? '';
    stamped.push({ kind: facts.kind, namespace: facts.namespace, name: facts.name, checksum, secretsLeftOut, missing });
    return withTemplateChecksum(kind, manifest, checksum);
  });
  return { manifests: out, stamped };
}

function identity(manifest: Manifest): { kind: string; namespace: string; name: string } {
  const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
  return {
    kind: typeof manifest.kind === 'string' ? manifest.kind : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
  };
}

function contentOf(manifest: Manifest): { data?: Record<string, string>; binaryData?: Record<string, string> } {
  const strings = (value: unknown): Record<string, string> | undefined =>
    isRecord(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) : undefined;
  const data = strings(manifest.data);
  const binaryData = strings(manifest.binaryData);
  return { ...(data ? { data } : {}), ...(binaryData ? { binaryData } : {}) };
}

function workloadOf(kind: WorkloadKindSpec, manifest: Manifest): WorkloadFacts | undefined {
  const facts = workloadFacts(kind, manifest);
  return facts.ignored ? undefined : facts;
}

function withTemplateChecksum(kind: WorkloadKindSpec, manifest: Manifest, checksum: string): Manifest {
  const copy = structuredClone(manifest);
  let template: Record<string, unknown> = copy;
  for (const segment of pointerSegments(kind.templatePointer)) {
    const next = isRecord(template[segment]) ? template[segment] : {};
    template[segment] = next;
    template = next;
  }
  const metadata = (template.metadata ??= {}) as Record<string, unknown>;
  const annotations = (metadata.annotations ??= {}) as Record<string, unknown>;
  annotations[CHECKSUM_ANNOTATION] = checksum;
  return copy;
}
