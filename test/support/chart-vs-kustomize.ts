// Compares the chart's render with a kustomize build, object by object. Only what Helm adds
// by design is set aside: its labels (chart, instance, version, managed-by), the CRDs'
// helm.sh/resource-policy annotation (crds.keep), and the image tag (the base's is the
// placeholder confighash:dev, set with kustomize `images:`; the chart's is its appVersion).
import { isDeepStrictEqual } from 'node:util';
import type { Manifest } from '../../scripts/lib/kustomize.ts';

export const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by'];
const HELM_ANNOTATIONS = ['helm.sh/resource-policy'];

export function objectId(m: Manifest): string {
  return `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;
}

function withoutKeys(map: unknown, keys: string[]): Record<string, unknown> | undefined {
  if (map === null || typeof map !== 'object') return undefined;
  const kept = Object.fromEntries(Object.entries(map).filter(([key]) => !keys.includes(key)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function cleanMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const { labels, annotations, ...rest } = metadata;
  const keptLabels = withoutKeys(labels, HELM_LABELS);
  const keptAnnotations = withoutKeys(annotations, HELM_ANNOTATIONS);
  return { ...rest, ...(keptLabels ? { labels: keptLabels } : {}), ...(keptAnnotations ? { annotations: keptAnnotations } : {}) };
}

function imageRepository(image: string): string {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? `${image.slice(0, at)}:<tag>` : `${image}:<tag>`;
}

/** A JSON copy of the object with Helm's own additions set aside, as described above. */
export function comparable(m: Manifest): Manifest {
  const copy = JSON.parse(JSON.stringify(m)) as Manifest & { spec?: { template?: { metadata?: Record<string, unknown>; spec?: { containers?: { image: string }[] } } } };
  copy.metadata = cleanMetadata(copy.metadata) as Manifest['metadata'];
  const template = copy.spec?.template;
  if (template?.metadata) template.metadata = cleanMetadata(template.metadata);
  for (const container of template?.spec?.containers ?? []) container.image = imageRepository(container.image);
  return copy;
}

export interface RenderDifference {
  onlyInKustomize: string[];
  onlyInChart: string[];
  /** Objects in both that differ, each with the two comparable forms. */
  differing: { id: string; kustomize: Manifest; chart: Manifest }[];
}

export function compareRenders(kustomize: Manifest[], chart: Manifest[]): RenderDifference {
  const byId = (list: Manifest[]) => new Map(list.map((m) => [objectId(m), comparable(m)]));
  const k = byId(kustomize);
  const c = byId(chart);
  return {
    onlyInKustomize: [...k.keys()].filter((id) => !c.has(id)).sort(),
    onlyInChart: [...c.keys()].filter((id) => !k.has(id)).sort(),
    differing: [...k.entries()]
      .filter(([id, m]) => c.has(id) && !isDeepStrictEqual(m, c.get(id)))
      .map(([id, m]) => ({ id, kustomize: m, chart: c.get(id) as Manifest })),
  };
}
