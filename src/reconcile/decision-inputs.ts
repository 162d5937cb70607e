import type { WorkloadRecordSpec } from '../api/workload-record.ts';
import { decide, type Decision } from '../core/decide.ts';
import { haltingFailures, inRolloutOrder, OPEN_GATE, rolloutGate, type GateAppConfig, type GateMember, type RolloutGate } from '../core/rollout-gate.ts';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, rolloutHealth, type RolloutHealth } from '../core/rollout-health.ts';
import type { WorkloadFacts } from '../core/types.ts';
import { workloadId, type FactStore, type ObservedAppConfig } from '../k8s/fact-store.ts';
import { rollNowPending } from './roll-now.ts';
import type { CoverageLookup, DesiredChecksum } from './coverage-lookup.ts';

/** What every decision about a workload is made from, besides the workload itself. */
export interface DecisionContext {
  readonly store: FactStore;
  readonly coverage: CoverageLookup;
  readonly hmacKeyId: string;
  readonly rollOnAdoption: boolean;
  /** --dry-run: compute and report everything, roll nothing. */
  readonly dryRun: boolean;
  readonly maxConcurrentRollouts?: number;
  readonly now: () => Date;
}

export interface WorkloadDecision {
  readonly decision: Decision;
  readonly desired: Extract<DesiredChecksum, { kind: 'covered' }>;
  readonly record: WorkloadRecordSpec | undefined;
}

/**
 * Gathers the facts for one workload's decision and runs the decision table: first with the
 * gate open, and only when that would roll, again with the gate that staged rollouts, suspend
 * and dry-run compute from the other covered workloads. Undefined when nothing covers it.
 */
export function decisionFor(ctx: DecisionContext, workload: WorkloadFacts): WorkloadDecision | undefined {
  const desired = ctx.coverage.desiredChecksum(workload, ctx.hmacKeyId);
  if (desired.kind === 'uncovered') return undefined;
  const observed = ctx.store.record(workload.namespace, workload.uid);
  const record = observed?.spec;
  const baseline = ctx.store.baseline(workload.namespace, workload.uid);
  const input = {
    workload,
    record,
    recordWrittenBy: observed?.otherSpecWriters ?? [],
    ...(baseline ? { baseline } : {}),
    desired: desired.checksum,
    sources: desired.sources,
    currentKeyId: ctx.hmacKeyId,
    rollOnAdoption: ctx.rollOnAdoption,
    now: ctx.now().toISOString(),
  };
  const ungated = decide(input);
  if (ungated.kind !== 'roll') return { decision: ungated, desired, record };
  const gate = gateFor(ctx, workload);
  return { decision: gate.kind === 'open' ? ungated : decide({ ...input, gate }), desired, record };
}

/** The AppConfigs covering the workload, each with its members as a staged rollout sees them. */
function gateAppConfigs(ctx: DecisionContext, workload: WorkloadFacts): GateAppConfig[] {
  return ctx.coverage.coveringAppConfigs(workload).map((ac) => gateAppConfig(ctx, ac));
}

export function gateAppConfig(ctx: DecisionContext, ac: ObservedAppConfig): GateAppConfig {
  const staged = ac.spec.rollout !== undefined;
  const members = staged ? inRolloutOrder(ac.spec, ctx.coverage.workloadsCoveredBy(ac)).map((w) => gateMember(ctx, ac, w)) : [];
  const resumedNow = ac.resume !== undefined && ac.resume !== ac.status?.resumedWith;
  const gateAc = { name: ac.name, spec: ac.spec, members, acknowledged: new Set(ac.status?.acknowledgedFailures ?? []), rollNow: rollNowPending(ac) };
  // A new resume value acknowledges every failure standing now; the status records them.
  return resumedNow ? { ...gateAc, acknowledged: new Set(members.flatMap((m) => (m.failedChange ? [m.failedChange] : []))) } : gateAc;
}

/** The halting failures of an AppConfig now, for its status ("Deployment/web@v1..."). */
export function haltedChanges(ctx: DecisionContext, ac: ObservedAppConfig): string[] {
  const gateAc = gateAppConfig(ctx, ac);
  return haltingFailures(gateAc).map((id) => gateAc.members.find((m) => m.id === id)?.failedChange ?? id);
}

/** How the workload's last rollout by confighash is doing, or undefined when it is not one of ours still in flight. */
export function ownRolloutHealth(ctx: DecisionContext, ac: ObservedAppConfig | undefined, workload: WorkloadFacts): RolloutHealth | undefined {
  const record = ctx.store.record(workload.namespace, workload.uid)?.spec;
  const rollout = record?.lastRollout;
  if (ctx.store.hasOwnTemplateWrite(workload.namespace, workloadId(workload.kind, workload.name))) return 'progressing';
  if (!rollout || record?.placement !== 'Template' || workload.templateChecksum !== rollout.to) return undefined;
  const deadlineSeconds = ac?.spec.rollout?.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  return rolloutHealth(workload, ctx.now().getTime() - Date.parse(rollout.time), deadlineSeconds * 1000);
}

function gateMember(ctx: DecisionContext, ac: ObservedAppConfig, workload: WorkloadFacts): GateMember {
  const id = `${workload.kind}/${workload.name}`;
  const health = ownRolloutHealth(ctx, ac, workload);
  const desired = ctx.coverage.desiredChecksum(workload, ctx.hmacKeyId);
  const current = desired.kind === 'covered' && workload.templateChecksum === desired.checksum;
  const ungated = decisionWithOpenGate(ctx, workload);
  return {
    id,
    wantsToRoll: ungated === 'roll',
    rolling: health === 'progressing' || (health === 'failed' && !current),
    ...(health === 'failed' && current ? { failedChange: `${id}@${workload.templateChecksum}` } : {}),
  };
}

function decisionWithOpenGate(ctx: DecisionContext, workload: WorkloadFacts): Decision['kind'] | undefined {
  const desired = ctx.coverage.desiredChecksum(workload, ctx.hmacKeyId);
  if (desired.kind === 'uncovered') return undefined;
  const observed = ctx.store.record(workload.namespace, workload.uid);
  const baseline = ctx.store.baseline(workload.namespace, workload.uid);
  return decide({
    workload,
    record: observed?.spec,
    recordWrittenBy: observed?.otherSpecWriters ?? [],
    ...(baseline ? { baseline } : {}),
    desired: desired.checksum,
    sources: desired.sources,
    currentKeyId: ctx.hmacKeyId,
    rollOnAdoption: ctx.rollOnAdoption,
    now: ctx.now().toISOString(),
    gate: OPEN_GATE,
  }).kind;
}

function gateFor(ctx: DecisionContext, workload: WorkloadFacts): RolloutGate {
  return rolloutGate({
    self: `${workload.kind}/${workload.name}`,
    dryRun: ctx.dryRun,
    appConfigs: gateAppConfigs(ctx, workload),
    now: ctx.now().getTime(),
    ...(ctx.maxConcurrentRollouts !== undefined
      ? { maxConcurrentRollouts: ctx.maxConcurrentRollouts, rollingEverywhere: rollingEverywhere(ctx, workload) }
      : { rollingEverywhere: 0 }),
  });
}

/** Workloads that confighash rolled and that are still progressing, anywhere in scope: the global cap's count. */
function rollingEverywhere(ctx: DecisionContext, self: WorkloadFacts): number {
  let rolling = 0;
  for (const namespace of ctx.store.namespaces()) {
    for (const workload of ctx.store.workloadsIn(namespace)) {
      if (workload === self) continue;
      const health = ownRolloutHealth(ctx, undefined, workload);
      if (health === 'progressing') rolling += 1;
    }
  }
  return rolling;
}
