import type { KubeConfig } from '@kubernetes/client-node';
import type { CustomObjectCalls } from '../k8s/json-clients.ts';
import type { Logger } from 'pino';
import type { WorkloadKind } from '../api/constants.ts';
import type { Decision } from '../core/decide.ts';
import { classifyApiError, NotLeadingError } from '../errors.ts';
import { describeChange } from '../core/record.ts';
import type { WorkloadFacts } from '../core/types.ts';
import type { EventRecorder, EventSubject } from '../k8s/event-recorder.ts';
import { workloadId, type FactStore, type ObservedAppConfig } from '../k8s/fact-store.ts';
import { workloadFacts } from '../k8s/projections.ts';
import { writeWorkloadRecord } from '../k8s/record-writer.ts';
import type { ApiRequestObserver } from '../k8s/raw-request.ts';
import type { WorkloadKinds } from '../api/workload-kinds.ts';
import { patchWorkload } from '../k8s/workload-writer.ts';
import { appConfigSubject } from './appconfig-subject.ts';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS } from '../core/rollout-health.ts';
import type { CoverageLookup } from './coverage-lookup.ts';
import { decisionFor, type DecisionContext } from './decision-inputs.ts';
import { rolloutNotification, type Notify } from './notifications.ts';

/** What the workload reconciler reports, for metrics. */
export interface WorkloadReconcileObserver {
  patched(kind: WorkloadKind, type: 'template' | 'record'): void;
  rolled(kind: WorkloadKind, reason: string): void;
}

export interface WorkloadReconcilerDeps extends DecisionContext {
  store: FactStore;
  coverage: CoverageLookup;
  kubeConfig: KubeConfig;
  /** The workload kinds in effect: where each keeps its pod template, and its REST path. */
  kinds: WorkloadKinds;
  customObjects: CustomObjectCalls;
  events: EventRecorder;
  observer: WorkloadReconcileObserver;
  logger: Logger;
  /** Asks for an AppConfig's status to be brought up to date. */
  refreshStatus: (namespace: string, name: string) => void;
  /** Asks for a workload to be reconciled again. */
  refreshWorkload: (namespace: string, kind: WorkloadKind, name: string) => void;
  /** The workload waits for a free rollout slot: wake it when any rollout makes progress. */
  waitForTurn?: (namespace: string, kind: WorkloadKind, name: string) => void;
  /** The workload waits outside the maintenance windows of these AppConfigs: decide again when one opens. */
  waitForWindows?: (covering: readonly ObservedAppConfig[]) => void;
  /** Decide about these AppConfig statuses and workloads again after `delayMs` (a progress deadline). */
  recheckLater?: (namespace: string, appConfigs: readonly string[], delayMs: number) => void;
  /** --notify-url: told of each rollout, in the background. */
  notify?: Notify;
  /** False once this replica's leader Lease may have run out: then nothing is written. */
  mayWrite: () => boolean;
  observeApiRequest?: ApiRequestObserver;
}

/**
 * Brings one workload in line with the content of its sources, from the facts as they are
 * now (level-based: the event that queued it does not matter). Running it twice writes
 * nothing the second time: each write's response goes straight back into the store, so
 * the next decision never rests on facts older than this one's own writes.
 */
export async function reconcileWorkload(
  deps: WorkloadReconcilerDeps,
  namespace: string,
  kind: WorkloadKind,
  name: string,
  signal: AbortSignal,
): Promise<Decision | undefined> {
  const workload = deps.store.workload(namespace, workloadId(kind, name));
  if (!workload) return undefined;
  const decided = decisionFor(deps, workload);
  if (!decided) return undefined;
  const { decision, desired } = decided;
  // Missing references are reported on the AppConfigs (status + Event).
  if (desired.missing.length > 0) refreshCovering(deps, workload);
  const log = deps.logger.child({ workload: `${kind}/${namespace}/${name}` });
  if (decision.kind === 'noop') {
    log.debug({ reason: decision.reason }, decision.message);
    return decision;
  }
  if (decision.kind === 'hold') {
    log.info({ decision: decision.kind, reason: decision.reason, checksum: decision.checksum }, decision.message);
    if (decision.reason === 'WouldRoll') recordWouldRollEvent(deps, workload, decision);
    if (decision.reason === 'Waiting') deps.waitForTurn?.(namespace, kind, name);
    if (decision.reason === 'Waiting') deps.waitForWindows?.(deps.coverage.coveringAppConfigs(workload));
    refreshCovering(deps, workload);
    return decision;
  }

  // The template first: a crash between the two writes then leaves a template that carries
  // the checksum, which the next decision records without rolling again. Until the record
  // is stored, the workload counts as rolling for staged rollouts.
  const who = `${kind} ${namespace}/${name}`;
  const id = workloadId(kind, name);
  if (!deps.mayWrite()) throw new NotLeadingError(`${decision.kind} ${who}`);
  if (decision.kind === 'roll') deps.store.expectOwnTemplateWrite(namespace, id, decision.checksum, deps.store.claimStamp());
  const untrustedWriters = decision.reason === 'UntrustedRecord' ? (deps.store.record(namespace, workload.uid)?.otherSpecWriters ?? []) : undefined;
  try {
    if (decision.kind === 'roll') {
      const spec = deps.kinds.byKind(kind);
      if (!spec) throw new Error(`${who}: ${kind} is not a workload kind confighash watches`);
      const patched = await patchWorkload(deps.kubeConfig, spec, namespace, name, decision.ops, signal, deps.observeApiRequest).catch((err: unknown) => {
        throw classifyApiError(err, `patch the pod template of ${who}`);
      });
      deps.store.setWorkload(workloadFacts(spec, patched), 'write');
      deps.observer.patched(kind, 'template');
      deps.observer.rolled(kind, decision.reason);
    }
    if (!deps.mayWrite()) throw new NotLeadingError(`write the WorkloadRecord of ${who}`);
    const existing = deps.store.record(namespace, workload.uid);
    const stored = await writeWorkloadRecord(deps.customObjects, namespace, existing, decision.record, workload.apiVersion, signal, deps.observeApiRequest, untrustedWriters !== undefined).catch((err: unknown) => {
      throw classifyApiError(err, `write the WorkloadRecord of ${who}`);
    });
    deps.store.setRecord(stored);
  } finally {
    deps.store.forgetOwnTemplateWrite(namespace, id);
  }
  deps.observer.patched(kind, 'record');
  log.info({ decision: decision.kind, reason: decision.reason, checksum: decision.checksum }, decision.message);

  const covering = deps.coverage.coveringAppConfigs(workload);
  if (untrustedWriters !== undefined) recordUntrustedRecordEvent(deps, workload, untrustedWriters, decision);
  if (decision.kind === 'roll') recordRolloutEvents(deps, workload, covering, decision);
  if (decision.kind === 'roll') deps.notify?.(rolloutNotification(workload, covering, decision, deps.now().toISOString()));
  for (const appConfig of covering) deps.refreshStatus(namespace, appConfig.name);
  if (decision.kind === 'roll') wakeStagedSiblings(deps, workload, covering);
  if (decision.kind === 'roll') recheckAtDeadline(deps, workload, covering);
  return decision;
}

/**
 * A StatefulSet, DaemonSet or kind given by flag has no progress deadline of its own: it fails by the clock, and
 * a clock sends no watch event. So the staged AppConfigs covering it look again just after
 * its deadline, and a stuck rollout halts them instead of leaving them waiting.
 */
function recheckAtDeadline(deps: WorkloadReconcilerDeps, workload: WorkloadFacts, covering: readonly ObservedAppConfig[]): void {
  if (workload.progress.reportsDeadline || !deps.recheckLater) return;
  for (const appConfig of covering) {
    if (appConfig.spec.rollout === undefined) continue;
    const deadlineSeconds = appConfig.spec.rollout.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
    deps.recheckLater(workload.namespace, [appConfig.name], deadlineSeconds * 1000 + 1000);
  }
}

/**
 * Until its record was stored, the workload counted as rolling whatever its status said. If
 * it became available meanwhile, the watch events of that woke its siblings while it still
 * counted, and they went back to waiting; nothing else announces that it stopped counting.
 */
function wakeStagedSiblings(deps: WorkloadReconcilerDeps, workload: WorkloadFacts, covering: readonly ObservedAppConfig[]): void {
  for (const appConfig of covering) {
    if (appConfig.spec.rollout === undefined) continue;
    for (const sibling of deps.coverage.workloadsCoveredBy(appConfig)) {
      if (sibling.kind !== workload.kind || sibling.name !== workload.name) deps.refreshWorkload(sibling.namespace, sibling.kind, sibling.name);
    }
  }
}

function recordWouldRollEvent(deps: WorkloadReconcilerDeps, workload: WorkloadFacts, decision: Extract<Decision, { kind: 'hold' }>): void {
  const what = decision.changes.length > 0 ? `${decision.changes.map(describeChange).join(', ')} changed` : 'first sight';
  deps.events.record({
    regarding: { apiVersion: workload.apiVersion, kind: workload.kind, namespace: workload.namespace, name: workload.name, uid: workload.uid },
    type: 'Normal',
    reason: 'WouldRoll',
    action: 'DryRun',
    note: `Would roll out: ${what}; checksum ${decision.previous ?? '(none)'} -> ${decision.checksum}`,
  });
}

function recordUntrustedRecordEvent(deps: WorkloadReconcilerDeps, workload: WorkloadFacts, writers: readonly string[], decision: Decision): void {
  deps.events.record({
    regarding: { apiVersion: workload.apiVersion, kind: workload.kind, namespace: workload.namespace, name: workload.name, uid: workload.uid },
    type: 'Warning',
    reason: 'UntrustedRecord',
    action: 'Rebaseline',
    note:
      `WorkloadRecord ${workload.uid} was written by ${writers.join(', ')}, not by confighash (its metadata.managedFields say so); ` +
      `it was not trusted and was re-baselined at checksum ${decision.checksum} without a rollout`,
  });
}

function refreshCovering(deps: WorkloadReconcilerDeps, workload: WorkloadFacts): void {
  for (const appConfig of deps.coverage.coveringAppConfigs(workload)) deps.refreshStatus(workload.namespace, appConfig.name);
}

function recordRolloutEvents(
  deps: WorkloadReconcilerDeps,
  workload: WorkloadFacts,
  covering: readonly ObservedAppConfig[],
  decision: Extract<Decision, { kind: 'roll' }>,
): void {
  const what = decision.changes.length > 0 ? `${decision.changes.map(describeChange).join(', ')} changed` : 'content changed';
  const regarding: EventSubject = { apiVersion: workload.apiVersion, kind: workload.kind, namespace: workload.namespace, name: workload.name, uid: workload.uid };
  const note =
    decision.reason === 'RolledOnAdoption'
      ? `Rolling out on adoption: checksum ${decision.checksum}`
      : `Rolling out: ${what}; checksum ${decision.previous ?? '(none)'} -> ${decision.checksum}`;
  // One Event per rollout, on the workload, related to the (first) AppConfig that covers it:
  // the AppConfig's status keeps each target's last rollout, so a second Event there would
  // only double the writes (issue 11's goal: at most 1 Event per affected workload).
  const [first] = covering;
  deps.events.record({ regarding, ...(first ? { related: appConfigSubject(first) } : {}), type: 'Normal', reason: 'ConfigChanged', action: 'Rollout', note });
}
