import { API_GROUP, API_VERSION, APPCONFIG_KIND, RECORD_PLURAL } from '../../src/api/constants.ts';

/** Label on everything the bench creates, so trackers and counts can select it. */
export const BENCH_LABEL = 'confighash.dev/bench';

export interface Named {
  namespace: string;
  name: string;
}

export const paths = {
  namespaces: '/api/v1/namespaces',
  namespace: (name: string) => `/api/v1/namespaces/${name}`,
  configMaps: (ns: string) => `/api/v1/namespaces/${ns}/configmaps`,
  configMap: (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`,
  secrets: (ns: string) => `/api/v1/namespaces/${ns}/secrets`,
  deployments: (ns?: string) => (ns ? `/apis/apps/v1/namespaces/${ns}/deployments` : '/apis/apps/v1/deployments'),
  deployment: (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
  cronJobs: (ns?: string) => (ns ? `/apis/batch/v1/namespaces/${ns}/cronjobs` : '/apis/batch/v1/cronjobs'),
  replicaSets: (ns?: string) => (ns ? `/apis/apps/v1/namespaces/${ns}/replicasets` : '/apis/apps/v1/replicasets'),
  appConfigs: (ns?: string) => (ns ? `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/appconfigs` : `/apis/${API_GROUP}/${API_VERSION}/appconfigs`),
  workloadRecords: (ns?: string) => (ns ? `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/${RECORD_PLURAL}` : `/apis/${API_GROUP}/${API_VERSION}/${RECORD_PLURAL}`),
  events: (ns: string) => `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
  crd: (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
};

export function namespace(name: string, scenario: string) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [BENCH_LABEL]: scenario } } };
}

/**
 * Text of about `bytes` characters that differs per seed and does not repeat itself, like
 * real configuration (a property file), so no layer can shortcut it.
 */
export function filler(seed: string, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  let state = hashSeed(seed);
  for (let i = 0; size < bytes; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const line = `${seed}.setting${i}=${state.toString(36)}-${(state ^ 0x5bd1e995).toString(16)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n').slice(0, bytes);
}

function hashSeed(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** A ConfigMap of about `bytes` of data in four keys, plus a small `revision` key the scenarios edit. */
export function configMap(ns: string, name: string, scenario: string, bytes: number, revision = '0') {
  const quarter = Math.floor(bytes / 4);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, labels: { [BENCH_LABEL]: scenario } },
    data: {
      'application.properties': filler(`${name}.app`, quarter),
      'logging.properties': filler(`${name}.log`, quarter),
      'features.yaml': filler(`${name}.feat`, quarter),
      'routes.conf': filler(`${name}.routes`, bytes - 3 * quarter),
      revision,
    },
  };
}

/** A Secret of about `bytes` (before base64): credentials and a PEM-sized key. */
export function secret(ns: string, name: string, scenario: string, bytes: number) {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, labels: { [BENCH_LABEL]: scenario } },
    type: 'Opaque',
    data: {
      username: b64(`user-${name}`),
      password: b64(filler(`${name}.pw`, 32)),
      'tls.key': b64(filler(`${name}.key`, Math.max(0, bytes - 64))),
    },
  };
}

export interface DeploymentSources {
  /** Read whole through envFrom. */
  envFromConfigMaps?: string[];
  /** Mounted whole as volumes. */
  volumeConfigMaps?: string[];
  envFromSecrets?: string[];
  volumeSecrets?: string[];
}

/**
 * A Deployment with `replicas: 0`: the deployment controller still makes a ReplicaSet per
 * pod-template revision (a rollout), but no pods, so thousands of workloads fit on 2 cores.
 */
export function deployment(ns: string, name: string, scenario: string, sources: DeploymentSources, opts: { revisionHistoryLimit?: number; templateAnnotations?: Record<string, string> } = {}) {
  const volumes = [
    ...(sources.volumeConfigMaps ?? []).map((cm, i) => ({ name: `cm-${i}`, configMap: { name: cm } })),
    ...(sources.volumeSecrets ?? []).map((s, i) => ({ name: `secret-${i}`, secret: { secretName: s } })),
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name, [BENCH_LABEL]: scenario } },
    spec: {
      replicas: 0,
      revisionHistoryLimit: opts.revisionHistoryLimit ?? 10,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(opts.templateAnnotations ? { annotations: opts.templateAnnotations } : {}) },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example/app:1.0',
              envFrom: [
                ...(sources.envFromConfigMaps ?? []).map((cm) => ({ configMapRef: { name: cm } })),
                ...(sources.envFromSecrets ?? []).map((s) => ({ secretRef: { name: s } })),
              ],
              volumeMounts: volumes.map((v) => ({ name: v.name, mountPath: `/etc/${v.name}`, readOnly: true })),
            },
          ],
          volumes,
        },
      },
    },
  };
}

/**
 * A suspended CronJob whose job template reads `sources` as the Deployment's pod template
 * does: covered like a Deployment, and it never starts a Job.
 */
export function cronJob(ns: string, name: string, scenario: string, sources: DeploymentSources) {
  const podTemplate = deployment(ns, name, scenario, sources).spec.template;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns, labels: { app: name, [BENCH_LABEL]: scenario } },
    spec: { schedule: '0 0 1 1 *', suspend: true, jobTemplate: { spec: { template: { ...podTemplate, spec: { ...podTemplate.spec, restartPolicy: 'Never' } } } } },
  };
}

export function appConfig(ns: string, name: string, scenario: string, spec: { configMaps?: string[]; secrets?: string[]; deployments?: string[] }) {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: APPCONFIG_KIND,
    metadata: { name, namespace: ns, labels: { [BENCH_LABEL]: scenario } },
    spec: {
      ...(spec.configMaps ? { configMaps: spec.configMaps.map((n) => ({ name: n })) } : {}),
      ...(spec.secrets ? { secrets: spec.secrets.map((n) => ({ name: n })) } : {}),
      ...(spec.deployments ? { workloads: { names: spec.deployments.map((n) => ({ kind: 'Deployment', name: n })) } } : {}),
    },
  };
}
