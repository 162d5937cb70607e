import { checksumPrefix, type Notification } from '../core/notification.ts';
import { describeChange, type ContentChange } from '../core/record.ts';
import type { WorkloadFacts } from '../core/types.ts';
import type { ObservedAppConfig } from '../k8s/fact-store.ts';

/** Hands a notification to the background sender (--notify-url); never blocks, never throws. */
export type Notify = (notification: Notification) => void;

export function rolloutNotification(
  workload: WorkloadFacts,
  covering: readonly ObservedAppConfig[],
  decision: { readonly reason: string; readonly changes: readonly ContentChange[]; readonly previous?: string; readonly checksum: string },
  time: string,
): Notification {
  const who = `${workload.kind} ${workload.namespace}/${workload.name}`;
  const from = checksumPrefix(decision.previous);
  const to = checksumPrefix(decision.checksum);
  return {
    event: 'rollout',
    namespace: workload.namespace,
    workload: { kind: workload.kind, name: workload.name },
    appConfigs: covering.map((ac) => ac.name),
    changed: decision.changes.map(describeChange),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    time,
    summary: decision.reason === 'RolledOnAdoption' ? `rolled ${who} on adoption` : `rolled ${who}`,
  };
}

export function haltNotification(appConfig: ObservedAppConfig, failed: readonly string[], time: string): Notification {
  return {
    event: 'halt',
    namespace: appConfig.namespace,
    appConfigs: [appConfig.name],
    changed: [],
    time,
    summary: `AppConfig ${appConfig.namespace}/${appConfig.name} halted its rollout: ${failed.map(shortChange).join(', ')} failed to become available`,
  };
}

/** "Deployment/web@v1.<digest>" with the checksum cut to its prefix. */
function shortChange(change: string): string {
  const at = change.indexOf('@');
  return at < 0 ? change : `${change.slice(0, at)}@${checksumPrefix(change.slice(at + 1)) ?? ''}`;
}

export function resumeNotification(appConfig: ObservedAppConfig, time: string): Notification {
  return {
    event: 'resume',
    namespace: appConfig.namespace,
    appConfigs: [appConfig.name],
    changed: [],
    time,
    summary: `AppConfig ${appConfig.namespace}/${appConfig.name} resumed its rollout (confighash.dev/resume)`,
  };
}
