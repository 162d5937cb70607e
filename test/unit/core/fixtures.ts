import { isDeepStrictEqual } from 'node:util';
import type { V1Deployment } from '@kubernetes/client-node';
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { workloadFacts as projectWorkload } from '../../../src/k8s/projections.ts';
import type { WorkloadFacts } from '../../../src/core/types.ts';
import { kindSpec } from '../support/workload-kinds.ts';

/** Facts for a Deployment "shop/web"; override what a test is about. */
export function workloadFacts(overrides: Partial<WorkloadFacts> = {}): WorkloadFacts {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    templatePointer: '/spec/template',
    namespace: 'shop',
    name: 'web',
    uid: '5f0c1d2e-0000-4000-8000-000000000001',
    generation: 3,
    labels: { app: 'web' },
    references: new Map(),
    templateHasAnnotations: true,
    templateHasMetadata: true,
    templateDigest: 'template-1',
    ignored: false,
    progress: { observedGeneration: 3, desired: 2, updated: 2, total: 2, available: 2, deadlineExceeded: false, reportsDeadline: true },
    ...overrides,
  };
}

export interface DeploymentShape {
  generation?: number;
  resourceVersion?: string;
  /** `null`: no metadata.annotations map at all. */
  annotations?: Record<string, string> | null;
  /** `null`: no spec.template.metadata.annotations map; `'no-metadata'`: no spec.template.metadata. */
  templateAnnotations?: Record<string, string> | null | 'no-metadata';
}

/** A Deployment as the API server returns it, mounting ConfigMap web-config and reading Secret web-db. */
export function deployment(shape: DeploymentShape = {}): V1Deployment {
  const metadata: V1Deployment['metadata'] = {
    name: 'web',
    namespace: 'shop',
    uid: '5f0c1d2e-0000-4000-8000-000000000001',
    generation: shape.generation ?? 3,
    resourceVersion: shape.resourceVersion ?? '4711',
    labels: { app: 'web' },
  };
  const annotations = shape.annotations === undefined ? { 'deployment.kubernetes.io/revision': '2' } : shape.annotations;
  if (annotations !== null) metadata.annotations = annotations;

  const templateAnnotations = shape.templateAnnotations === undefined ? { 'team.example/owner': 'checkout' } : shape.templateAnnotations;
  const templateMetadata =
    templateAnnotations === 'no-metadata'
      ? undefined
      : { labels: { app: 'web' }, ...(templateAnnotations === null ? {} : { annotations: templateAnnotations }) };

  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        ...(templateMetadata === undefined ? {} : { metadata: templateMetadata }),
        spec: {
          containers: [
            {
              name: 'web',
              image: 'registry.example/web:1.4.2',
              env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } }],
              volumeMounts: [{ name: 'config', mountPath: '/etc/web' }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
        },
      },
    },
  };
}

/** What the reconcile layer reads off a Deployment, so tests can patch, re-read and decide again. */
export function factsOf(object: V1Deployment): WorkloadFacts {
  return projectWorkload(kindSpec('Deployment'), object);
}

/**
 * Applies a JSON Patch the way the API server would: all or nothing, then a new resourceVersion,
 * and a new generation when the spec changed. Throws (TEST_OPERATION_FAILED, …) on conflict.
 */
export function applyAsServer(object: V1Deployment, ops: Operation[]): V1Deployment {
  const { newDocument } = jsonPatch.applyPatch(structuredClone(object), ops, true, false);
  const metadata = newDocument.metadata ?? {};
  metadata.resourceVersion = String(Number(object.metadata?.resourceVersion ?? '0') + 1);
  if (!isDeepStrictEqual(newDocument.spec, object.spec)) metadata.generation = (object.metadata?.generation ?? 0) + 1;
  return newDocument;
}
