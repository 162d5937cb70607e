import { appConfigSpecSchema, appConfigStatusSchema } from './appconfig-schema.ts';
import {
  API_GROUP,
  API_VERSION,
  APPCONFIG_KIND,
  APPCONFIG_PLURAL,
  APPCONFIG_SHORT_NAMES,
  APPCONFIG_SINGULAR,
  RECORD_KIND,
  RECORD_PLURAL,
  RECORD_SHORT_NAMES,
  RECORD_SINGULAR,
} from './constants.ts';
import { workloadRecordSpecSchema } from './workload-record-schema.ts';

/** The AppConfig CustomResourceDefinition, built from the one schema source. */
export function appConfigCrd(): Record<string, unknown> {
  return namespacedCrd({
    kind: APPCONFIG_KIND,
    plural: APPCONFIG_PLURAL,
    singular: APPCONFIG_SINGULAR,
    shortNames: APPCONFIG_SHORT_NAMES,
    categories: ['all'],
    statusSubresource: true,
    printerColumns: [
      { name: 'Sources', type: 'integer', jsonPath: '.status.sourceCount' },
      { name: 'Targets', type: 'integer', jsonPath: '.status.targetCount' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Rolling', type: 'integer', jsonPath: '.status.rollingCount' },
      { name: 'Halted', type: 'string', jsonPath: '.status.conditions[?(@.type=="RolloutHalted")].status' },
      { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    description: 'AppConfig names ConfigMaps and Secrets and the workloads that consume them.',
    properties: { spec: toStructural(appConfigSpecSchema), status: toStructural(appConfigStatusSchema) },
  });
}

/** The WorkloadRecord CustomResourceDefinition: the controller's own per-workload record. */
export function workloadRecordCrd(): Record<string, unknown> {
  return namespacedCrd({
    kind: RECORD_KIND,
    plural: RECORD_PLURAL,
    singular: RECORD_SINGULAR,
    shortNames: RECORD_SHORT_NAMES,
    statusSubresource: false,
    printerColumns: [
      { name: 'Kind', type: 'string', jsonPath: '.spec.workload.kind' },
      { name: 'Workload', type: 'string', jsonPath: '.spec.workload.name' },
      { name: 'Placement', type: 'string', jsonPath: '.spec.placement' },
      { name: 'Checksum', type: 'string', jsonPath: '.spec.checksum', priority: 1 },
      { name: 'Last-Rollout', type: 'date', jsonPath: '.spec.lastRollout.time' },
    ],
    description:
      'What the pods of one workload run with, kept by the confighash controller (one per workload UID). ' +
      'It lives beside the workload so that replacing the workload cannot wipe it. Do not edit.',
    properties: { spec: toStructural(workloadRecordSpecSchema) },
  });
}

interface CrdShape {
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories?: readonly string[];
  statusSubresource: boolean;
  printerColumns: readonly Record<string, unknown>[];
  description: string;
  properties: Record<string, unknown>;
}

function namespacedCrd(shape: CrdShape): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${shape.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: shape.kind,
        listKind: `${shape.kind}List`,
        plural: shape.plural,
        singular: shape.singular,
        shortNames: shape.shortNames,
        ...(shape.categories ? { categories: shape.categories } : {}),
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          ...(shape.statusSubresource ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: shape.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: shape.description,
              required: ['spec'],
              properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...shape.properties },
            },
          },
        },
      ],
    },
  };
}

/**
 * ajv needs `nullable: true` on optional fields to type them; in a CRD it would let
 * clients store `null`, which the controller does not expect. Optional is already
 * expressed by `required`, so the CRD drops it, and the other ajv-only keywords.
 */
function toStructural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable') continue;
    // Structural schemas forbid additionalProperties beside properties; the apiserver
    // rejects unknown fields itself (kubectl's default strict field validation).
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'required' && Array.isArray(value) && value.length === 0) continue;
    out[key] = toStructural(value);
  }
  return out;
}
