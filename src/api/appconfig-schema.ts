import type { JSONSchemaType } from 'ajv';
import type { AppConfigSpec, AppConfigStatus } from './appconfig.ts';

/*
 * The single source of the AppConfig schema. The CRD in kustomize/base is generated
 * from it (`npm run generate`), the controller validates specs with it (ajv), and
 * `JSONSchemaType<AppConfigSpec>` makes the TypeScript compiler check it against
 * the types in appconfig.ts: the three cannot drift apart silently.
 */

const dnsSubdomain = {
  type: 'string',
  minLength: 1,
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
} as const;

/** A ConfigMap or Secret key: Kubernetes allows [-._a-zA-Z0-9]+. */
const dataKey = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' } as const;

const sourceList = {
  type: 'array',
  nullable: true,
  maxItems: 256,
  description: 'Objects in the AppConfig namespace whose content counts toward the checksum.',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
  items: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { ...dnsSubdomain, description: 'Name of the object.' },
      keys: {
        type: 'array',
        nullable: true,
        minItems: 1,
        maxItems: 1024,
        description: 'Only these keys count toward the checksum. Absent: every key.',
        'x-kubernetes-list-type': 'set',
        items: dataKey,
      },
    },
  },
} as const;

export const appConfigSpecSchema: JSONSchemaType<AppConfigSpec> = {
  type: 'object',
  additionalProperties: false,
  description: 'ConfigMaps and Secrets whose content rolls the workloads that consume them.',
  'x-kubernetes-validations': [
    {
      rule: '(has(self.configMaps) && size(self.configMaps) > 0) || (has(self.secrets) && size(self.secrets) > 0)',
      message: 'list at least one object in spec.configMaps or spec.secrets',
    },
  ],
  properties: {
    configMaps: sourceList,
    secrets: sourceList,
    workloads: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      description:
        'Workloads that get the checksum of every listed object. Absent: every Deployment, StatefulSet ' +
        'and DaemonSet in the namespace whose pod template references a listed object.',
      'x-kubernetes-validations': [
        { rule: 'has(self.selector) || has(self.names)', message: 'spec.workloads needs a selector or names' },
      ],
      properties: {
        selector: {
          type: 'object',
          nullable: true,
          additionalProperties: false,
          description: 'Matched against the workload metadata labels.',
          properties: {
            matchLabels: {
              type: 'object',
              nullable: true,
              required: [],
              additionalProperties: { type: 'string' },
            },
            matchExpressions: {
              type: 'array',
              nullable: true,
              items: {
                type: 'object',
                required: ['key', 'operator'],
                additionalProperties: false,
                properties: {
                  key: { type: 'string', minLength: 1 },
                  operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
                  values: { type: 'array', nullable: true, items: { type: 'string' } },
                },
              },
            },
          },
        },
        names: {
          type: 'array',
          nullable: true,
          maxItems: 1024,
          items: {
            type: 'object',
            required: ['kind', 'name'],
            additionalProperties: false,
            properties: {
              kind: { type: 'string', enum: ['Deployment', 'StatefulSet', 'DaemonSet'] },
              name: dnsSubdomain,
            },
          },
        },
      },
    },
  },
};

const checksum = { type: 'string', nullable: true } as const;

export const appConfigStatusSchema: JSONSchemaType<AppConfigStatus> = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', nullable: true, format: 'int64' },
    sourceCount: { type: 'integer', nullable: true },
    targetCount: { type: 'integer', nullable: true, description: 'Every covered workload, listed in targets or not.' },
    targetsOmitted: {
      type: 'integer',
      nullable: true,
      description: 'Covered workloads left out of targets, which lists at most 100, those needing attention first.',
    },
    conditions: {
      type: 'array',
      nullable: true,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
        properties: {
          type: { type: 'string' },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: { type: 'string' },
          message: { type: 'string' },
          lastTransitionTime: { type: 'string', format: 'date-time' },
          observedGeneration: { type: 'integer', nullable: true, format: 'int64' },
        },
      },
    },
    sources: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        required: ['kind', 'name'],
        properties: {
          kind: { type: 'string', enum: ['ConfigMap', 'Secret'] },
          name: { type: 'string' },
          checksum,
        },
      },
    },
    targets: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        required: ['kind', 'name', 'reason'],
        properties: {
          kind: { type: 'string', enum: ['Deployment', 'StatefulSet', 'DaemonSet'] },
          name: { type: 'string' },
          checksum,
          lastRolloutTime: { type: 'string', nullable: true, format: 'date-time' },
          reason: { type: 'string' },
        },
      },
    },
  },
};
