import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { PAUSE_IMAGE } from './workloads.ts';

/** How a test workload's pod consumes ConfigMaps and Secrets. */
export interface Consumption {
  configMapEnvFrom?: string[];
  secretEnvFrom?: string[];
  configMapKeys?: { name: string; key: string }[];
  secretKeys?: { name: string; key: string }[];
  configMapVolumes?: string[];
}

export function podSpecConsuming(consumption: Consumption): V1PodSpec {
  const container: V1Container = {
    name: 'app',
    image: PAUSE_IMAGE,
    envFrom: [
      ...(consumption.configMapEnvFrom ?? []).map((name) => ({ configMapRef: { name } })),
      ...(consumption.secretEnvFrom ?? []).map((name) => ({ secretRef: { name } })),
    ],
    env: [
      ...(consumption.configMapKeys ?? []).map(({ name, key }, i) => ({ name: `CM_${i}`, valueFrom: { configMapKeyRef: { name, key } } })),
      ...(consumption.secretKeys ?? []).map(({ name, key }, i) => ({ name: `SECRET_${i}`, valueFrom: { secretKeyRef: { name, key } } })),
    ],
    volumeMounts: (consumption.configMapVolumes ?? []).map((name) => ({ name: `cm-${name}`, mountPath: `/etc/${name}` })),
  };
  return {
    containers: [container],
    volumes: (consumption.configMapVolumes ?? []).map((name) => ({ name: `cm-${name}`, configMap: { name } })),
    terminationGracePeriodSeconds: 0,
  };
}

type Kind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** A Deployment, StatefulSet or DaemonSet named `name`, labelled app=<name>, whose pod consumes as told. */
export function workloadConsuming(kind: Kind, name: string, consumption: Consumption, labels: Record<string, string> = {}): object {
  const selector = { app: name };
  const template = { metadata: { labels: selector }, spec: podSpecConsuming(consumption) };
  const spec: Record<string, unknown> = { selector: { matchLabels: selector }, template };
  if (kind !== 'DaemonSet') spec.replicas = 1;
  if (kind === 'StatefulSet') spec.serviceName = name;
  return { apiVersion: 'apps/v1', kind, metadata: { name, labels: { ...selector, ...labels } }, spec };
}
