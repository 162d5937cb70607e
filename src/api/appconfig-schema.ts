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
/**
 * A workload kind's name. Which kinds exist is the controller's configuration, not the
 * schema's: a name of a kind it does not watch shows in status (WorkloadNotFound).
 */
const workloadKindName = {
  type: 'string',
  minLength: 1,
  maxLength: 63,
  pattern: '^[A-Z][A-Za-z0-9]*$',
  description: 'Deployment, StatefulSet, DaemonSet, CronJob, or a kind confighash covers by --workload-kind (e.g. Rollout).',
} as const;

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
        'Workloads that get the checksum of every listed object. Absent: every covered workload in the ' +
        'namespace (Deployment, StatefulSet, DaemonSet, CronJob, and each kind given by --workload-kind) ' +
        'whose pod template references a listed object.',
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
              kind: workloadKindName,
              name: dnsSubdomain,
            },
          },
        },
      },
    },
    rollout: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      description:
        'How a content change reaches the covered workloads. Absent: every affected workload rolls at once. ' +
        'Workloads roll in a stable order: those in spec.workloads.names in the order listed, then the rest by kind and name.',
      properties: {
        maxUnavailableWorkloads: {
          type: 'integer',
          nullable: true,
          minimum: 1,
          description: 'At most this many covered workloads rolling at once; the next rolls when one is Available with its new template.',
        },
        haltOnFailure: {
          type: 'boolean',
          nullable: true,
          description:
            'When a workload rolled for a change fails (Progressing=False, ProgressDeadlineExceeded, or no progress within ' +
            'progressDeadlineSeconds), roll nothing more for that change. Default: true when maxUnavailableWorkloads is set.',
        },
        progressDeadlineSeconds: {
          type: 'integer',
          nullable: true,
          minimum: 1,
          description: 'How long a StatefulSet or DaemonSet may take to become available after a rollout (default 600).',
        },
        windows: {
          type: 'array',
          nullable: true,
          minItems: 1,
          maxItems: 32,
          description:
            'Maintenance windows: workloads roll only while one is open. A change made outside every window waits ' +
            '(target reason Waiting, naming the next window) and rolls once when one opens, however many changes came in between. ' +
            'Annotate the AppConfig with a new confighash.dev/roll-now value to roll what is pending now, once.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['days', 'start', 'end', 'timeZone'],
            properties: {
              days: {
                type: 'array',
                minItems: 1,
                maxItems: 7,
                items: { type: 'string', enum: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] },
                description: 'The days the window opens on (Mon..Sun), on the wall clock of timeZone.',
              },
              start: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Opening time, HH:MM.' },
              end: {
                type: 'string',
                pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
                description: 'Closing time, HH:MM; at or before start, the window runs past midnight into the next day.',
              },
              timeZone: {
                type: 'string',
                maxLength: 64,
                description:
                  'IANA time zone, e.g. Europe/Berlin or UTC. A start that a DST change skips opens at the first minute after the gap; ' +
                  'a repeated time is inside the window both times.',
              },
            },
          },
        },
      },
    },
    suspend: {
      type: 'boolean',
      nullable: true,
      description: 'Compute everything and report it (status, WouldRoll Events), but roll nothing. Unsuspending rolls what is pending, once.',
    },
  },
};

const checksum = { type: 'string', nullable: true, description: 'A content checksum (format v1).' } as const;

export const appConfigStatusSchema: JSONSchemaType<AppConfigStatus> = {
  type: 'object',
  description: 'What the controller observed and did, as of observedGeneration.',
  properties: {
    observedGeneration: { type: 'integer', nullable: true, format: 'int64', description: 'The spec generation this status describes.' },
    sourceCount: { type: 'integer', nullable: true, description: 'Listed ConfigMaps and Secrets.' },
    targetCount: { type: 'integer', nullable: true, description: 'Every covered workload, listed in targets or not.' },
    targetsOmitted: {
      type: 'integer',
      nullable: true,
      description: 'Covered workloads left out of targets, which lists at most 100, those needing attention first.',
    },
    rollingCount: { type: 'integer', nullable: true, description: 'Covered workloads rolled by confighash and not yet Available with their new template.' },
    haltedCount: { type: 'integer', nullable: true, description: 'Covered workloads whose rollout failed and halted the change.' },
    resumedWith: { type: 'string', nullable: true, description: 'The confighash.dev/resume annotation value that last resumed a halted change.' },
    acknowledgedFailures: {
      type: 'array',
      nullable: true,
      items: { type: 'string' },
      description: 'Failed rollouts (Kind/name@checksum) that a resume acknowledged; they no longer halt the rollout.',
    },
    rolledNowWith: {
      type: 'string',
      nullable: true,
      description: 'The confighash.dev/roll-now annotation value that last let pending changes roll outside the maintenance windows.',
    },
    conditions: {
      type: 'array',
      nullable: true,
      description: 'Ready (the spec is usable and every covered workload can be brought in line) and RolloutHalted.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
        properties: {
          type: { type: 'string', description: 'Ready or RolloutHalted.' },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'True, False or Unknown.' },
          reason: { type: 'string', description: 'A CamelCase reason, e.g. Ready, InvalidSpec, MissingReference, ReconcileFailed, WorkloadNotFound.' },
          message: { type: 'string', description: 'What happened and what to do, in words.' },
          lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the status last changed.' },
          observedGeneration: { type: 'integer', nullable: true, format: 'int64', description: 'The spec generation the condition describes.' },
        },
      },
    },
    sources: {
      type: 'array',
      nullable: true,
      description: 'Each listed ConfigMap and Secret with the checksum of its whole content.',
      items: {
        type: 'object',
        required: ['kind', 'name'],
        properties: {
          kind: { type: 'string', enum: ['ConfigMap', 'Secret'], description: 'ConfigMap or Secret.' },
          name: { type: 'string', description: 'Its name, in this namespace.' },
          checksum: { ...checksum, description: 'Checksum of its content; absent while it does not exist.' },
        },
      },
    },
    targets: {
      type: 'array',
      nullable: true,
      description: 'Covered workloads (at most 100, those needing attention first) and where each stands.',
      items: {
        type: 'object',
        required: ['kind', 'name', 'reason'],
        properties: {
          kind: { ...workloadKindName, description: 'Its kind: Deployment, StatefulSet, DaemonSet, CronJob, or one given by --workload-kind.' },
          name: { type: 'string', description: 'Its name, in this namespace.' },
          checksum: { ...checksum, description: 'The checksum it should carry (or carries).' },
          lastRolloutTime: { type: 'string', nullable: true, format: 'date-time', description: 'When confighash last rolled it.' },
          lastRollout: {
            type: 'object',
            nullable: true,
            description: 'Why confighash last rolled it.',
            required: ['time', 'changed', 'to'],
            properties: {
              time: { type: 'string', format: 'date-time', description: 'When.' },
              changed: { type: 'array', items: { type: 'string' }, description: 'The sources and keys whose content changed (names only).' },
              from: { type: 'string', nullable: true, description: 'The old checksum (a prefix).' },
              to: { type: 'string', description: 'The new checksum (a prefix).' },
            },
          },
          nextWindow: {
            type: 'string',
            nullable: true,
            description: 'With reason Waiting for a maintenance window: when the next one opens, and which.',
          },
          reason: {
            type: 'string',
            description:
              'InSync (the pod template carries the current checksum), Baselined (recorded without a rollout), Pending, ' +
              'Rolling (with spec.rollout: rolled, not yet available), Waiting (for its turn or a maintenance window), Halted, RolloutFailed, ' +
              'WouldRoll (dry-run or suspend), Ignored ' +
              '(confighash.dev/ignore), Failed (writes keep failing), MissingReference or NotCovered.',
          },
        },
      },
    },
  },
};
