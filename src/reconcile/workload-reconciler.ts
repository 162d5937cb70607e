import type { AppsV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION, APPCONFIG_KIND, type WorkloadKind } from '../api/constants.ts';
import { sourceChecksum } from '../core/checksum.ts';
import { decide, type Decision } from '../core/decide.ts';
import { parseSourceId } from '../core/references.ts';
import type { SourceId, WorkloadFacts } from '../core/types.ts';
import type { EventRecorder, EventSubject } from '../k8s/event-recorder.ts';
import { workloadId, type FactStore, type ObservedAppConfig } from '../k8s/fact-store.ts';
import { patchWorkload } from '../k8s/workload-writer.ts';
import type { CoverageLookup } from './coverage-lookup.ts';
import type { RolloutLog } from './rollout-log.ts';

/** What the workload reconciler reports, for metrics. */
export interface WorkloadReconcileObserver {
  patched(kind: WorkloadKind, type: 'template' | 'baseline'): void;
  rolled(kind: WorkloadKind, reason: string): void;
}

export interface WorkloadReconcilerDeps {
  store: FactStore;
  coverage: CoverageLookup;
  apps: AppsV1Api;
  events: EventRecorder;
  rollouts: RolloutLog;
  observer: WorkloadReconcileObserver;
  logger: Logger;
  hmacKeyId: string;
  rollOnAdoption: boolean;
  now: () => Date;
  /** Asks for an AppConfig's status to be brought up to date. */
  refreshStatus: (namespace: string, name: string) => void;
}

/**
 * Brings one workload's checksum annotation in line with the content of its sources, from
 * the facts as they are now (level-based: the event that queued it does not matter).
 * Running it twice writes nothing the second time.
 */
export async function reconcileWorkload(deps: WorkloadReconcilerDeps, namespace: string, kind: WorkloadKind, name: string): Promise<Decision | undefined> {
  const workload = deps.store.workload(namespace, workloadId(kind, name));
  if (!workload) return undefined;
  const desired = deps.coverage.desiredChecksum(workload, deps.hmacKeyId);
  if (desired.kind === 'uncovered') return undefined;
  const decision = decide({
    desired: desired.checksum,
    workload,
    currentKeyId: deps.hmacKeyId,
    rollOnAdoption: deps.rollOnAdoption,
    missing: desired.missing,
  });
  // Missing references are reported on the AppConfigs (status + Event).
  if (desired.missing.length > 0) refreshCovering(deps, workload);
  const sourceChecksums = currentSourceChecksums(deps, namespace, desired.sources);
  const seenBefore = deps.rollouts.sourcesSeen(namespace, kind, name);
  const log = deps.logger.child({ workload: `${kind}/${namespace}/${name}` });
  if (decision.kind === 'noop') {
    deps.rollouts.rememberSources(namespace, kind, name, sourceChecksums);
    log.debug({ reason: decision.reason }, decision.message);
    return decision;
  }

  await patchWorkload(deps.apps, kind, namespace, name, decision.ops);
  deps.rollouts.rememberSources(namespace, kind, name, sourceChecksums);
  deps.observer.patched(kind, decision.kind === 'roll' ? 'template' : 'baseline');
  log.info({ decision: decision.kind, reason: decision.reason, checksum: decision.checksum }, decision.message);
  const covering = deps.coverage.coveringAppConfigs(workload);
  if (decision.kind === 'roll') {
    deps.observer.rolled(kind, decision.reason);
    deps.rollouts.record(namespace, kind, name, deps.now().toISOString());
    const changed = changedSources(sourceChecksums, seenBefore ?? recordedInStatus(covering));
    await recordRolloutEvents(deps, workload, covering, changed, decision);
  }
  for (const appConfig of covering) deps.refreshStatus(namespace, appConfig.name);
  return decision;
}

function refreshCovering(deps: WorkloadReconcilerDeps, workload: WorkloadFacts): void {
  for (const appConfig of deps.coverage.coveringAppConfigs(workload)) deps.refreshStatus(workload.namespace, appConfig.name);
}

async function recordRolloutEvents(
  deps: WorkloadReconcilerDeps,
  workload: WorkloadFacts,
  covering: readonly ObservedAppConfig[],
  changed: readonly string[],
  decision: Extract<Decision, { kind: 'roll' }>,
): Promise<void> {
  const what = changed.length > 0 ? `${changed.join(', ')} changed` : 'content changed';
  const regarding: EventSubject = { apiVersion: 'apps/v1', kind: workload.kind, namespace: workload.namespace, name: workload.name, uid: workload.uid };
  const note =
    decision.reason === 'RolledOnAdoption'
      ? `Rolling out on adoption: checksum ${decision.checksum}`
      : `Rolling out: ${what}; checksum ${decision.previous ?? '(none)'} -> ${decision.checksum}`;
  await deps.events.record({ regarding, type: 'Normal', reason: 'ConfigChanged', action: 'Rollout', note });
  for (const appConfig of covering) {
    await deps.events.record({
      regarding: appConfigSubject(appConfig),
      related: regarding,
      type: 'Normal',
      reason: 'RolledOut',
      action: 'Rollout',
      note: `${workload.kind} ${workload.name} rolled: ${what}`,
    });
  }
}

function currentSourceChecksums(deps: WorkloadReconcilerDeps, namespace: string, sources: readonly SourceId[]): Map<SourceId, string> {
  const checksums = new Map<SourceId, string>();
  for (const id of sources) {
    const digest = deps.store.source(namespace, id);
    const { kind, name } = parseSourceId(id);
    if (digest) checksums.set(id, sourceChecksum(kind, name, digest, deps.hmacKeyId));
  }
  return checksums;
}

/** After a restart the controller has not seen the sources before: the AppConfig status remembers. */
function recordedInStatus(covering: readonly ObservedAppConfig[]): Map<string, string | undefined> {
  const recorded = new Map<string, string | undefined>();
  for (const appConfig of covering) {
    for (const s of appConfig.status?.sources ?? []) recorded.set(`${s.kind}/${s.name}`, s.checksum);
  }
  return recorded;
}

/** "ConfigMap web-config" for each source whose checksum moved. Names only, never values. */
function changedSources(current: ReadonlyMap<SourceId, string>, before: ReadonlyMap<string, string | undefined>): string[] {
  return [...current].flatMap(([id, checksum]) => {
    if (!before.has(id) || before.get(id) === checksum) return [];
    const { kind, name } = parseSourceId(id);
    return [`${kind} ${name}`];
  });
}

export function appConfigSubject(appConfig: ObservedAppConfig): EventSubject {
  return { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: APPCONFIG_KIND, namespace: appConfig.namespace, name: appConfig.name, uid: appConfig.uid };
}
