import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { CHECKSUM_ANNOTATION, type WorkloadKind } from '../../src/api/constants.ts';
import type { AppConfig } from '../../src/api/appconfig.ts';
import type { WorkloadRecordSpec } from '../../src/api/workload-record.ts';
import { apiserverRequests, type RequestCounts } from './apiserver-requests.ts';
import { adminKubeConfig, kubectl, type KubectlResult } from './cluster.ts';
import { installControllerAccess } from './controller-access.ts';
import { appConfigManifest, readAppConfig } from './controller-harness.ts';
import { workloadConsuming } from './consumers.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import type { PrivateControlPlane } from './faults.ts';
import { withTestNamespace } from './namespace.ts';
import { workloadRecord } from './records.ts';
import { settledReplicaSetCount, waitForDeploymentObserved } from './rollouts.ts';
import { waitFor } from './wait.ts';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * One fault test's world on a private control plane: a namespace of its own, the real
 * controller as child processes (several, for leader election) under the kustomize base's
 * ServiceAccount, and readers that ask the apiserver rather than the controller.
 */
export interface FaultScene {
  readonly cluster: PrivateControlPlane;
  readonly namespace: string;
  readonly kubeConfig: KubeConfig;
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  /** Starts one more controller replica for this namespace; every one is stopped afterwards. */
  startController(opts?: ReplicaOptions): Promise<ControllerProcess>;
  /** kubectl apply -n namespace of manifests given as objects (JSON, so YAML 1.1 booleans cannot bite). */
  apply(...manifests: object[]): Promise<string>;
  kubectl(args: string[], opts?: { allowFailure?: boolean; input?: string }): Promise<KubectlResult>;
  /** Merges `data` into the ConfigMap through the API (no kubectl start-up delay): an edit at a known moment. */
  editConfigMap(name: string, data: Record<string, string>): Promise<void>;
  /** The pod-template checksum of a workload as stored now. */
  templateChecksum(name: string, kind?: WorkloadKind): Promise<string | undefined>;
  /** Waits until the pod template carries a checksum other than `previous`; returns it. */
  waitForNewChecksum(name: string, previous: string | undefined, timeoutMs?: number): Promise<string>;
  /** confighash's WorkloadRecord for the workload's current UID. */
  record(name: string, kind?: WorkloadKind): Promise<WorkloadRecordSpec | undefined>;
  waitForRecord(name: string, kind?: WorkloadKind): Promise<WorkloadRecordSpec>;
  /**
   * The ReplicaSet count once the deployment controller has observed the Deployment's current
   * generation (after an apiserver restart it can lag for seconds) and the count stopped changing for 2 s.
   */
  replicaSets(name: string): Promise<number>;
  /** The apiserver's own request counters (they restart from zero with kube-apiserver). */
  requests(): Promise<RequestCounts>;
}

export interface ReplicaOptions {
  /** Flags after --namespace <ns>. */
  args?: string[];
  env?: Record<string, string>;
}

export interface FaultSceneOptions {
  prefix: string;
}

const controllerKubeconfigs = new Map<string, Promise<string>>();

/** The kubeconfig of the controller's ServiceAccount on this control plane, installed once. */
export function controllerKubeconfigFor(cluster: PrivateControlPlane): Promise<string> {
  let kubeconfig = controllerKubeconfigs.get(cluster.kubeconfig);
  if (!kubeconfig) controllerKubeconfigs.set(cluster.kubeconfig, (kubeconfig = installControllerAccess(cluster)));
  return kubeconfig;
}

export async function withFaultScene<T>(cluster: PrivateControlPlane, fn: (scene: FaultScene) => Promise<T>, opts: FaultSceneOptions): Promise<T> {
  const controllerKubeconfig = await controllerKubeconfigFor(cluster);
  const kubeConfig = adminKubeConfig(cluster);
  return withTestNamespace(
    async (namespace) => {
      const replicas: ControllerProcess[] = [];
      const apps = kubeConfig.makeApiClient(AppsV1Api);
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const templateChecksum = async (name: string, kind: WorkloadKind = 'Deployment'): Promise<string | undefined> => {
        const object =
          kind === 'Deployment'
            ? await apps.readNamespacedDeployment({ namespace, name })
            : kind === 'StatefulSet'
              ? await apps.readNamespacedStatefulSet({ namespace, name })
              : await apps.readNamespacedDaemonSet({ namespace, name });
        return object.spec?.template.metadata?.annotations?.[CHECKSUM_ANNOTATION];
      };
      const record = (name: string, kind: WorkloadKind = 'Deployment') => workloadRecord(namespace, kind, name, kubeConfig);
      const scene: FaultScene = {
        cluster,
        namespace,
        kubeConfig,
        apps,
        core,
        async startController(replica = {}) {
          const started = await startController({
            kubeconfig: controllerKubeconfig,
            args: ['--namespace', namespace, ...(replica.args ?? [])],
            ...(replica.env ? { env: replica.env } : {}),
          });
          replicas.push(started);
          return started;
        },
        apply: (...manifests) =>
          kubectl(['apply', '-n', namespace, '-f', '-'], { cluster, input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }) }).then((r) => r.stdout),
        kubectl: (args, o = {}) => kubectl(['-n', namespace, ...args], { cluster, ...o }),
        async editConfigMap(name, data) {
          await core.patchNamespacedConfigMap({ namespace, name, body: { data } }, MERGE_PATCH);
        },
        templateChecksum,
        waitForNewChecksum: (name, previous, timeoutMs = 60_000) =>
          waitFor(
            async () => {
              const checksum = await templateChecksum(name);
              return checksum !== undefined && checksum !== previous && checksum;
            },
            { description: `a new checksum on the pod template of Deployment ${namespace}/${name}`, timeoutMs, intervalMs: 100 },
          ),
        record,
        waitForRecord: (name, kind = 'Deployment') =>
          waitFor(() => record(name, kind), { description: `a WorkloadRecord for ${kind} ${namespace}/${name}`, timeoutMs: 60_000, intervalMs: 100 }),
        async replicaSets(name) {
          await waitForDeploymentObserved(namespace, name, { kubeConfig, timeoutMs: 60_000 });
          return settledReplicaSetCount(namespace, name, { kubeConfig, stableForMs: 2000 });
        },
        requests: () => apiserverRequests(cluster),
      };
      try {
        return await fn(scene);
      } catch (err) {
        const logs = replicas.map((r, i) => `--- controller ${i + 1} (pid ${r.pid}) log (tail) ---\n${r.logs().slice(-4000)}`).join('\n');
        throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
      } finally {
        cluster.faults.thawAll();
        await Promise.all(replicas.map((r) => r.stop()));
      }
    },
    { prefix: opts.prefix, kubeConfig },
  );
}

/** The ConfigMap that app `name` consumes. */
export const configOf = (name: string): string => `${name}-config`;

/**
 * Deployments that each consume a ConfigMap of their own (envFrom), and one AppConfig that
 * lists all those ConfigMaps: editing `<name>-config` should roll `name`, and nothing else.
 */
export function appsWithConfig(names: readonly string[], appConfigName = 'apps'): object[] {
  return [
    ...names.map((name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configOf(name) }, data: { LEVEL: '0' } })),
    ...names.map((name) => workloadConsuming('Deployment', name, { configMapEnvFrom: [configOf(name)] })),
    appConfigManifest(appConfigName, { configMaps: names.map((name) => ({ name: configOf(name) })) }),
  ];
}

/**
 * Successful PATCHes of Deployments at the apiserver. confighash writes pod templates with
 * JSON Patch; the deployment controller writes with PUT (object and status), and the tests'
 * other writers use server-side apply (verb APPLY): so these are confighash's template writes.
 * (Not quite: `kubectl rollout pause`, `kubectl patch` and the garbage collector ending a
 * foreground deletion PATCH too. Count across windows without them.)
 */
export const TEMPLATE_WRITES = { verb: 'PATCH', group: 'apps', resource: 'deployments', code: '2xx' } as const;

/** Ready=True and every target InSync: an AppConfig's status once the dust has settled. */
export function waitForInSync(scene: FaultScene, appConfig: string, timeoutMs = 60_000): Promise<AppConfig> {
  return waitFor(
    async () => {
      const ac = await readAppConfig(scene.kubeConfig, scene.namespace, appConfig);
      const ready = ac.status?.conditions?.find((c) => c.type === 'Ready');
      const targets = ac.status?.targets ?? [];
      return ready?.status === 'True' && targets.length > 0 && targets.every((target) => target.reason === 'InSync') && ac;
    },
    { description: `AppConfig ${appConfig} Ready with every target InSync`, timeoutMs },
  );
}

/** "3.2s", for diagnostics about recovery times. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
