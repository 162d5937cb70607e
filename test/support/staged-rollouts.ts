// What the safe-rollout tests watch: which Deployments are rolling at each moment (a new
// ReplicaSet exists and is not yet available), the Events confighash recorded, and the
// AppConfig's conditions.
import { AppsV1Api, EventsV1Api, Watch, type EventsV1Event, type KubeConfig, type V1ReplicaSet } from '@kubernetes/client-node';
import { NOT_READY_WITH_CHECKSUM_ANNOTATION } from '../../scripts/lib/control-plane/index.ts';
import type { AppConfig, Condition } from '../../src/api/appconfig.ts';
import { adminKubeConfig } from './cluster.ts';
import { podSpecConsuming } from './consumers.ts';
import { readAppConfig } from './controller-harness.ts';
import { waitFor } from './wait.ts';

export interface StagedDeploymentOptions {
  /** The ConfigMap its pods read through envFrom. */
  configMap: string;
  labels?: Record<string, string>;
  metadataAnnotations?: Record<string, string>;
  /** A new pod counts as available only after this long: makes "rolling" last long enough to see. */
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
  /** kwok never makes the pods of a rollout to this checksum Ready: that rollout fails. */
  notReadyWithChecksum?: string;
}

/** A one-replica Deployment labelled app=<name>, reading one ConfigMap. */
export function stagedDeployment(name: string, opts: StagedDeploymentOptions): object {
  const selector = { app: name };
  const templateAnnotations = opts.notReadyWithChecksum ? { [NOT_READY_WITH_CHECKSUM_ANNOTATION]: opts.notReadyWithChecksum } : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { ...selector, ...opts.labels }, ...(opts.metadataAnnotations ? { annotations: opts.metadataAnnotations } : {}) },
    spec: {
      replicas: 1,
      ...(opts.minReadySeconds !== undefined ? { minReadySeconds: opts.minReadySeconds } : {}),
      ...(opts.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: opts.progressDeadlineSeconds } : {}),
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector, ...(templateAnnotations ? { annotations: templateAnnotations } : {}) },
        spec: podSpecConsuming({ configMapEnvFrom: [opts.configMap] }),
      },
    },
  };
}

/** What a RolloutWatch saw between start and stop. */
export interface RolloutTimeline {
  /** The most Deployments rolling at one moment (a ReplicaSet created since the start, not yet available). */
  mostRollingAtOnce: number;
  /** Which Deployments were rolling together when that most was reached. */
  rollingTogether: string[];
  /** Deployments in the order their first new ReplicaSet appeared. */
  startOrder: string[];
  /** New ReplicaSets per Deployment. */
  newReplicaSets: Record<string, number>;
  /** "12.3s web-a started" / "15.4s web-a available": for failure messages. */
  log: string[];
}

export interface RolloutWatch {
  /** Deployments rolling now. */
  rollingNow(): string[];
  stop(): Promise<RolloutTimeline>;
}

function ownerDeployment(rs: V1ReplicaSet): string | undefined {
  return rs.metadata?.ownerReferences?.find((ref) => ref.kind === 'Deployment')?.name;
}

function available(rs: V1ReplicaSet): boolean {
  return (rs.status?.availableReplicas ?? 0) >= (rs.spec?.replicas ?? 1);
}

/**
 * Watches the namespace's ReplicaSets from now on. Every event is a moment at which the set
 * of rolling Deployments may change; the watch delivers them in the apiserver's order, so no
 * overlap between two rollouts can fall between two samples.
 */
export async function watchRollouts(namespace: string, kubeConfig: KubeConfig = adminKubeConfig()): Promise<RolloutWatch> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const list = await apps.listNamespacedReplicaSet({ namespace });
  const existing = new Set(list.items.map((rs) => rs.metadata?.uid));
  const created = new Map<string, V1ReplicaSet>();
  const began = Date.now();
  const timeline: RolloutTimeline = { mostRollingAtOnce: 0, rollingTogether: [], startOrder: [], newReplicaSets: {}, log: [] };
  let failure: unknown;
  const rollingNow = (): string[] => [...new Set([...created.values()].filter((rs) => !available(rs)).map((rs) => ownerDeployment(rs) ?? '?'))].sort();
  const onEvent = (phase: string, rs: V1ReplicaSet): void => {
    const uid = rs.metadata?.uid ?? '';
    if (existing.has(uid)) return;
    const owner = ownerDeployment(rs) ?? '?';
    const at = `${((Date.now() - began) / 1000).toFixed(1)}s`;
    if (phase === 'DELETED') {
      created.delete(uid);
      return;
    }
    const before = created.get(uid);
    if (!before) {
      timeline.newReplicaSets[owner] = (timeline.newReplicaSets[owner] ?? 0) + 1;
      if (!timeline.startOrder.includes(owner)) timeline.startOrder.push(owner);
      timeline.log.push(`${at} ${owner} started (ReplicaSet ${rs.metadata?.name})`);
    } else if (!available(before) && available(rs)) {
      timeline.log.push(`${at} ${owner} available`);
    }
    created.set(uid, rs);
    const rolling = rollingNow();
    if (rolling.length > timeline.mostRollingAtOnce) {
      timeline.mostRollingAtOnce = rolling.length;
      timeline.rollingTogether = rolling;
    }
  };
  const abort = await new Watch(kubeConfig).watch(
    `/apis/apps/v1/namespaces/${namespace}/replicasets`,
    { resourceVersion: list.metadata?.resourceVersion },
    (phase, object) => onEvent(phase, object as V1ReplicaSet),
    (err: unknown) => {
      if (err && (err as Error).name !== 'AbortError') failure = err;
    },
  );
  return {
    rollingNow,
    async stop() {
      abort.abort();
      if (failure) throw new Error(`the ReplicaSet watch failed: ${(failure as Error).message ?? String(failure)}`, { cause: failure });
      return timeline;
    },
  };
}

/** events.k8s.io Events in the namespace about the named object, optionally of one reason. */
export async function eventsAbout(namespace: string, kind: string, name: string, reason?: string): Promise<EventsV1Event[]> {
  const api = adminKubeConfig().makeApiClient(EventsV1Api);
  const list = await api.listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.regarding?.kind === kind && e.regarding.name === name && (reason === undefined || e.reason === reason));
}

/** Waits for an Event about the object with this reason, and returns the first one. */
export function waitForEvent(namespace: string, kind: string, name: string, reason: string): Promise<EventsV1Event> {
  return waitFor(async () => (await eventsAbout(namespace, kind, name, reason))[0], {
    description: `an Event with reason ${reason} about ${kind} ${namespace}/${name}`,
    timeoutMs: 30_000,
  });
}

export function conditionOf(appConfig: AppConfig, type: string): Condition | undefined {
  return appConfig.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the AppConfig's status satisfies `accept`, and returns the AppConfig. */
export function waitForAppConfig(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  accept: (appConfig: AppConfig) => boolean,
  description: string,
  timeoutMs = 30_000,
): Promise<AppConfig> {
  let last: AppConfig | undefined;
  return waitFor(
    async () => {
      last = await readAppConfig(kubeConfig, namespace, name);
      return accept(last) && last;
    },
    { description: `AppConfig ${namespace}/${name}: ${description}`, timeoutMs },
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last?.status)}`, { cause: err });
  });
}

/** The reason each covered workload has in status.targets, by name. */
export function targetReasons(appConfig: AppConfig): Record<string, string> {
  return Object.fromEntries((appConfig.status?.targets ?? []).map((t) => [t.name, t.reason]));
}
