import type { CustomObjectCalls } from '../k8s/json-clients.ts';
import type { Logger } from 'pino';
import type { SourceStatus, TargetStatus } from '../api/appconfig.ts';
import { sourceChecksum } from '../core/checksum.ts';
import { listedSources } from '../core/coverage.ts';
import { describeWindow, windowState } from '../core/maintenance-window.ts';
import type { GateAppConfig } from '../core/rollout-gate.ts';
import { parseSourceId } from '../core/references.ts';
import { buildStatus, HALTED_CONDITION, READY_CONDITION, statusChanged } from '../core/status.ts';
import type { WorkloadFacts } from '../core/types.ts';
import { NotLeadingError } from '../errors.ts';
import type { EventRecorder } from '../k8s/event-recorder.ts';
import { workloadId, type FactStore, type ObservedAppConfig } from '../k8s/fact-store.ts';
import type { ApiRequestObserver } from '../k8s/raw-request.ts';
import type { WorkloadKinds } from '../api/workload-kinds.ts';
import { writeAppConfigStatus } from '../k8s/status-writer.ts';
import type { CoverageLookup } from './coverage-lookup.ts';
import { decisionFor, gateAppConfig, haltedChanges, ownRolloutHealth, type DecisionContext } from './decision-inputs.ts';
import type { FailureLog } from './failure-log.ts';
import { appConfigSubject } from './appconfig-subject.ts';
import { haltNotification, resumeNotification, type Notify } from './notifications.ts';
import { rollNowPending } from './roll-now.ts';

export interface StatusReconcilerDeps extends DecisionContext {
  store: FactStore;
  coverage: CoverageLookup;
  /** The workload kinds in effect: a name of another kind is reported as not watched. */
  kinds: WorkloadKinds;
  customObjects: CustomObjectCalls;
  events: EventRecorder;
  failures: FailureLog;
  logger: Logger;
  onWrite?: () => void;
  observeApiRequest?: ApiRequestObserver;
  /** Whether the AppConfig's rollout is halted, after each status reconcile (feeds a gauge). */
  onHaltedChange?: (namespace: string, name: string, halted: boolean) => void;
  /** --notify-url: told when a rollout halts or resumes, in the background. */
  notify?: Notify;
  /** False once this replica's leader Lease may have run out: then nothing is written. */
  mayWrite: () => boolean;
}

/** Reasons worth a Warning Event when the Ready condition turns to them. */
const WARNING_REASONS = new Set(['InvalidSpec', 'MissingReference', 'ReconcileFailed', 'WorkloadNotFound']);

/**
 * Brings an AppConfig's status in line with the facts: its sources and their checksums,
 * the workloads it covers and where each stands, and the Ready condition. Writes only
 * when something changed, so a steady state costs no API call.
 */
export async function reconcileStatus(deps: StatusReconcilerDeps, namespace: string, name: string, signal: AbortSignal): Promise<void> {
  const appConfig = deps.store.appConfig(namespace, name);
  if (!appConfig) {
    deps.onHaltedChange?.(namespace, name, false);
    return;
  }
  const problems = deps.coverage.problemsOf(appConfig);
  const sources = listedSources(appConfig.spec).map((id): SourceStatus => {
    const { kind, name: sourceName } = parseSourceId(id);
    const digest = deps.store.source(namespace, id);
    return digest ? { kind, name: sourceName, checksum: sourceChecksum(kind, sourceName, digest, deps.hmacKeyId) } : { kind, name: sourceName };
  });
  const covered = problems.length > 0 ? [] : deps.coverage.workloadsCoveredBy(appConfig);
  const targets = covered.map((w) => targetStatus(deps, appConfig, w));
  const failures = covered.flatMap((w) => deps.failures.get(namespace, w.kind, w.name) ?? []);
  const staged = problems.length === 0 && appConfig.spec.rollout !== undefined;
  const gate = staged ? gateAppConfig(deps, appConfig) : undefined;
  const resumedNow = appConfig.resume !== undefined && appConfig.resume !== appConfig.status?.resumedWith;
  const next = buildStatus({
    generation: appConfig.generation,
    previous: appConfig.status,
    now: deps.now().toISOString(),
    specProblems: problems,
    sources,
    targets,
    failures,
    missingWorkloads: problems.length > 0 ? [] : namedButMissing(deps, appConfig),
    ...(gate ? { rollout: { halted: haltedChanges(deps, appConfig) } } : {}),
    ...(resumedNow && appConfig.resume !== undefined
      ? { resume: { with: appConfig.resume, acknowledged: [...(gate?.acknowledged ?? [])] } }
      : appConfig.status?.resumedWith !== undefined
        ? { resume: { with: appConfig.status.resumedWith, acknowledged: appConfig.status.acknowledgedFailures ?? [] } }
        : {}),
    ...rolledNow(appConfig, gate),
  });
  deps.onHaltedChange?.(namespace, name, (next.haltedCount ?? 0) > 0);
  if (!statusChanged(appConfig.status, next)) return;

  if (!deps.mayWrite()) throw new NotLeadingError(`write the status of AppConfig ${namespace}/${name}`);
  await writeAppConfigStatus(deps.customObjects, namespace, name, next, signal, deps.observeApiRequest);
  deps.onWrite?.();
  // Remember what was written so a second reconcile before the watch event writes nothing,
  // unless the watch has meanwhile brought a newer AppConfig.
  if (deps.store.appConfig(namespace, name) === appConfig) deps.store.setAppConfig({ ...appConfig, status: next });

  const before = appConfig.status?.conditions?.find((c) => c.type === READY_CONDITION);
  const after = next.conditions?.find((c) => c.type === READY_CONDITION);
  if (after && WARNING_REASONS.has(after.reason) && (before?.reason !== after.reason || before.message !== after.message)) {
    deps.logger.warn({ appConfig: `${namespace}/${name}`, reason: after.reason }, after.message);
    deps.events.record({ regarding: appConfigSubject(appConfig), type: 'Warning', reason: after.reason, action: 'Validate', note: after.message });
  }
  const haltedBefore = appConfig.status?.conditions?.find((c) => c.type === HALTED_CONDITION);
  const haltedAfter = next.conditions?.find((c) => c.type === HALTED_CONDITION);
  if (haltedAfter?.status === 'True' && haltedBefore?.status !== 'True') {
    deps.logger.warn({ appConfig: `${namespace}/${name}`, reason: HALTED_CONDITION }, haltedAfter.message);
    deps.events.record({ regarding: appConfigSubject(appConfig), type: 'Warning', reason: HALTED_CONDITION, action: 'Rollout', note: haltedAfter.message });
    deps.notify?.(haltNotification(appConfig, haltedChanges(deps, appConfig), deps.now().toISOString()));
  }
  if (resumedNow && next.resumedWith !== appConfig.status?.resumedWith) deps.notify?.(resumeNotification(appConfig, deps.now().toISOString()));
}

function targetStatus(deps: StatusReconcilerDeps, appConfig: ObservedAppConfig, workload: WorkloadFacts): TargetStatus {
  const record = deps.store.record(workload.namespace, workload.uid)?.spec;
  const rollout = record?.lastRollout;
  const base = {
    kind: workload.kind,
    name: workload.name,
    ...(rollout
      ? {
          lastRolloutTime: rollout.time,
          lastRollout: { time: rollout.time, changed: rollout.changed, ...(rollout.from ? { from: prefix(rollout.from) } : {}), to: prefix(rollout.to) },
        }
      : {}),
  };
  const recorded = record?.checksum ?? workload.templateChecksum;
  const decided = decisionFor(deps, workload);
  if (!decided) return { ...base, ...(recorded ? { checksum: recorded } : {}), reason: 'NotCovered' };
  const { decision, desired } = decided;
  if (workload.ignored) return { ...base, ...(recorded ? { checksum: recorded } : {}), reason: 'Ignored' };
  // Rolling and RolloutFailed matter where a staged rollout waits on them; elsewhere a
  // template carrying the current checksum is InSync, however long its pods take.
  const health = appConfig.spec.rollout !== undefined ? ownRolloutHealth(deps, appConfig, workload) : undefined;
  // InSync only when the pod template really carries the checksum of the content as it is now.
  const reason =
    workload.templateChecksum === desired.checksum
      ? health === 'progressing'
        ? 'Rolling'
        : health === 'failed'
          ? 'RolloutFailed'
          : 'InSync'
      : deps.failures.get(workload.namespace, workload.kind, workload.name)
        ? 'Failed'
        : decision.kind === 'hold'
          ? decision.reason
          : record?.checksum === desired.checksum
            ? 'Baselined'
            : desired.missing.length > 0
              ? 'MissingReference'
              : 'Pending';
  const waitingForWindow = reason === 'Waiting' ? nextWindowOf(appConfig, deps.now().getTime()) : undefined;
  return { ...base, checksum: reason === 'MissingReference' ? recorded : desired.checksum, reason, ...(waitingForWindow ? { nextWindow: waitingForWindow } : {}) };
}

/** The roll-now value to record: the one recorded before, or a new one once nothing covered wants to roll any more. */
function rolledNow(appConfig: ObservedAppConfig, gate: GateAppConfig | undefined): { rolledNowWith?: string } {
  if (appConfig.rollNow !== undefined && rollNowPending(appConfig) && gate !== undefined && !gate.members.some((m) => m.wantsToRoll)) {
    return { rolledNowWith: appConfig.rollNow };
  }
  return appConfig.status?.rolledNowWith !== undefined ? { rolledNowWith: appConfig.status.rolledNowWith } : {};
}

/** "2026-12-05T02:00:00.000Z (Sat 02:00-04:00 Europe/Berlin)" while every window of the AppConfig is closed. */
function nextWindowOf(appConfig: ObservedAppConfig, now: number): string | undefined {
  const windows = appConfig.spec.rollout?.windows;
  if (windows === undefined || windows.length === 0 || rollNowPending(appConfig)) return undefined;
  const state = windowState(windows, now);
  return state.open ? undefined : `${new Date(state.opensAt).toISOString()} (${describeWindow(state.window)})`;
}

/**
 * Workloads the spec names that do not exist in the namespace ("Deployment/web"), or whose
 * kind confighash does not watch ("CloneSet/web (not a kind confighash watches; see --workload-kind)").
 */
function namedButMissing(deps: StatusReconcilerDeps, appConfig: ObservedAppConfig): string[] {
  return (appConfig.spec.workloads?.names ?? [])
    .filter((n) => deps.store.workload(appConfig.namespace, workloadId(n.kind, n.name)) === undefined)
    .map((n) => (deps.kinds.byKind(n.kind) ? `${n.kind}/${n.name}` : `${n.kind}/${n.name} (not a kind confighash watches; see --workload-kind)`));
}

function prefix(checksum: string): string {
  return checksum.length > 24 ? `${checksum.slice(0, 24)}…` : checksum;
}
