import type { Creation } from '../scenarios/scale-objects.ts';

/**
 * The same creations, with `annotations` added to the metadata of every Deployment: how the
 * peers are opted in. confighash ignores them (it is opted in by AppConfigs).
 */
export function* withDeploymentAnnotations(creations: Iterable<Creation>, annotations: Record<string, string>): Generator<Creation> {
  const none = Object.keys(annotations).length === 0;
  for (const creation of creations) {
    const body = creation.body as { kind?: string; metadata: { name: string; annotations?: Record<string, string> } };
    if (none || body.kind !== 'Deployment') {
      yield creation;
      continue;
    }
    const annotated: typeof body = { ...body, metadata: { ...body.metadata, annotations: { ...body.metadata.annotations, ...annotations } } };
    yield { ...creation, body: annotated };
  }
}
