import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { AppConfig } from '../../src/api/appconfig.ts';
import { API_GROUP, API_VERSION, APPCONFIG_PLURAL, type WorkloadKind } from '../../src/api/constants.ts';
import type { WorkloadKindSpec } from '../../src/api/workload-kinds.ts';
import { adminKubeConfig, kubectl } from './cluster.ts';
import { installControllerAccess } from './controller-access.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { withTestNamespace } from './namespace.ts';
import { templateChecksumOf, workloadRecord } from './records.ts';
import { waitFor } from './wait.ts';

let controllerKubeconfig: Promise<string> | undefined;

/** The kubeconfig of the controller's own ServiceAccount (kustomize base RBAC), installed once per test file. */
export function controllerServiceAccountKubeconfig(): Promise<string> {
  controllerKubeconfig ??= installControllerAccess();
  return controllerKubeconfig;
}

export interface ControllerScene {
  namespace: string;
  kubeConfig: KubeConfig;
  apps: AppsV1Api;
  core: CoreV1Api;
  /** The running controller (replaced by restart()). */
  controller(): ControllerProcess;
  stopController(): Promise<void>;
  startController(extraArgs?: string[]): Promise<ControllerProcess>;
  /** kubectl apply -n namespace of manifests given as objects. */
  apply(...manifests: object[]): Promise<string>;
}

export interface SceneOptions {
  /** Flags for the controller beyond --namespace (default: --debounce 0). */
  args?: string[];
  /** Environment for the controller beyond KUBECONFIG (e.g. CONFIGHASH_NOTIFY_URL). */
  env?: Record<string, string>;
  /** Start without a controller; call scene.startController() yourself. */
  deferStart?: boolean;
  prefix?: string;
}

/**
 * A namespace of its own with the real controller running as a child process under its
 * least-privilege ServiceAccount, scoped to that namespace. Stops the controller and
 * deletes the namespace afterwards, whatever happens.
 */
export async function withControllerScene<T>(fn: (scene: ControllerScene) => Promise<T>, opts: SceneOptions = {}): Promise<T> {
  const kubeconfig = await controllerServiceAccountKubeconfig();
  return withTestNamespace(
    async (namespace) => {
      const kubeConfig = adminKubeConfig();
      let running: ControllerProcess | undefined;
      const baseArgs = ['--namespace', namespace, ...(opts.args ?? ['--debounce', '0'])];
      const scene: ControllerScene = {
        namespace,
        kubeConfig,
        apps: kubeConfig.makeApiClient(AppsV1Api),
        core: kubeConfig.makeApiClient(CoreV1Api),
        controller: () => {
          if (!running) throw new Error('the controller is not running');
          return running;
        },
        async stopController() {
          await running?.stop();
          running = undefined;
        },
        async startController(extraArgs = []) {
          if (running) throw new Error('the controller is already running');
          running = await startController({ kubeconfig, args: [...baseArgs, ...extraArgs], ...(opts.env ? { env: opts.env } : {}) });
          return running;
        },
        // JSON, not YAML: kubectl reads YAML 1.1, where values such as `on` or `N` turn into booleans.
        apply: (...manifests) =>
          kubectl(['apply', '-n', namespace, '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }) }).then((r) => r.stdout),
      };
      if (!opts.deferStart) await scene.startController();
      try {
        return await fn(scene);
      } catch (err) {
        const logs = running?.logs() ?? '';
        throw new Error(`${(err as Error).message}\n--- controller log (tail) ---\n${logs.slice(-3000)}`, { cause: err });
      } finally {
        await running?.stop();
      }
    },
    { prefix: opts.prefix ?? 'ctl' },
  );
}

export interface WorkloadAnnotations {
  /** The pod-template checksum annotation. */
  checksum?: string;
  /** The WorkloadRecord's checksum, when it is recorded without being in the template (placement Baseline). */
  baseline?: string;
}

/** The pod-template checksum, and the checksum confighash recorded without rolling (if any), as stored now. */
export async function annotationsOf(namespace: string, kind: WorkloadKind, name: string): Promise<WorkloadAnnotations> {
  const checksum = await templateChecksumOf(namespace, kind, name);
  const record = await workloadRecord(namespace, kind, name);
  const baseline = record?.placement === 'Baseline' ? record.checksum : undefined;
  return { ...(checksum ? { checksum } : {}), ...(baseline ? { baseline } : {}) };
}

/** Waits until confighash has a WorkloadRecord for the workload, and returns the recorded checksum. */
export function waitForAdoption(namespace: string, kind: WorkloadKind | WorkloadKindSpec, name: string): Promise<string> {
  return waitFor(async () => (await workloadRecord(namespace, kind, name))?.checksum ?? false, {
    description: `confighash to record ${typeof kind === 'string' ? kind : kind.kind} ${namespace}/${name}`,
    timeoutMs: 30_000,
  });
}

/** Waits until the pod template carries `expected` as its checksum. */
export function waitForChecksum(apps: AppsV1Api, namespace: string, kind: WorkloadKind, name: string, expected: string): Promise<string> {
  return waitFor(async () => (await annotationsOf(namespace, kind, name)).checksum === expected && expected, {
    description: `${kind} ${namespace}/${name} to carry checksum ${expected}`,
    timeoutMs: 30_000,
  });
}

export async function readAppConfig(kubeConfig: KubeConfig, namespace: string, name: string): Promise<AppConfig> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  return (await api.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: APPCONFIG_PLURAL, name })) as AppConfig;
}

export function appConfigManifest(name: string, spec: AppConfig['spec']): object {
  return { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'AppConfig', metadata: { name }, spec };
}

export function configMapManifest(name: string, data: Record<string, string>, labels?: Record<string, string>): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data };
}

export function secretManifest(name: string, stringData: Record<string, string>): object {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', stringData };
}

/** The Ready condition of an AppConfig once its status has caught up with its generation. */
export function waitForReadyCondition(kubeConfig: KubeConfig, namespace: string, name: string, reason: string): Promise<AppConfig> {
  return waitFor(
    async () => {
      const ac = await readAppConfig(kubeConfig, namespace, name);
      const ready = ac.status?.conditions?.find((c) => c.type === 'Ready');
      return ac.status?.observedGeneration === ac.metadata.generation && ready?.reason === reason && ac;
    },
    { description: `AppConfig ${namespace}/${name} to report Ready reason ${reason}`, timeoutMs: 30_000 },
  );
}
