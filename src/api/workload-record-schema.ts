import type { JSONSchemaType } from 'ajv';
import type { WorkloadRecordSpec } from './workload-record.ts';

/*
 * The single source of the WorkloadRecord schema: the CRD in kustomize/base is generated
 * from it (`npm run generate`), and `JSONSchemaType` checks it against workload-record.ts.
 */

const digests = {
  type: 'object',
  nullable: true,
  required: [],
  description: 'A short digest per key, never a value.',
  additionalProperties: { type: 'string' },
} as const;

export const workloadRecordSpecSchema: JSONSchemaType<WorkloadRecordSpec> = {
  type: 'object',
  description: 'Written by the confighash controller only. What the pods of one workload run with.',
  required: ['workload', 'checksum', 'placement', 'sources'],
  properties: {
    workload: {
      type: 'object',
      description: 'The workload this record is about; it is also the owner of the record.',
      required: ['kind', 'name', 'uid'],
      properties: {
        kind: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$', maxLength: 63 },
        name: { type: 'string' },
        uid: { type: 'string' },
      },
    },
    checksum: { type: 'string', description: 'Checksum of the content the pods run with.' },
    placement: {
      type: 'string',
      enum: ['Template', 'Baseline'],
      description:
        'Template: the pod template carries the checksum (confighash rolled it). Baseline: recorded ' +
        'without a rollout (adoption, a scope change, or a template change that rolled the pods itself).',
    },
    keyId: { type: 'string', nullable: true, description: 'HMAC key id of the Secret digests.' },
    sources: {
      type: 'array',
      description: 'The ConfigMaps and Secrets that counted, with a digest per counted key.',
      items: {
        type: 'object',
        required: ['kind', 'name'],
        properties: {
          kind: { type: 'string', enum: ['ConfigMap', 'Secret'] },
          name: { type: 'string' },
          keys: { type: 'array', nullable: true, items: { type: 'string' }, description: 'Counted keys; absent: all.' },
          absent: { type: 'boolean', nullable: true, description: 'The object did not exist.' },
          data: digests,
          binaryData: digests,
        },
      },
    },
    lastRollout: {
      type: 'object',
      nullable: true,
      description: 'The last rollout confighash started, and why.',
      required: ['time', 'changed', 'to'],
      properties: {
        time: { type: 'string', format: 'date-time' },
        changed: { type: 'array', items: { type: 'string' }, description: 'Sources and keys whose content changed.' },
        from: { type: 'string', nullable: true },
        to: { type: 'string' },
      },
    },
  },
};
