import type { AppConfigSpec } from '../api/appconfig.ts';
import { describeWindow, windowState } from './maintenance-window.ts';
import { compareCodePoints } from './order.ts';

/** Whether a roll that the decision table wants may happen now. */
export type RolloutGate =
  | { readonly kind: 'open' }
  | { readonly kind: 'hold'; readonly reason: 'WouldRoll' | 'Waiting' | 'Halted'; readonly message: string };

export const OPEN_GATE: RolloutGate = { kind: 'open' };

/** One covered workload, as a staged rollout sees it. */
export interface GateMember {
  /** "Deployment/web" */
  readonly id: string;
  /** Its decision, with the gate open, would roll it. */
  readonly wantsToRoll: boolean;
  /** confighash rolled it and it is not yet available with its new template (or the write is in flight). */
  readonly rolling: boolean;
  /** confighash rolled it for the content it should have now, and that rollout failed ("Deployment/web@<checksum>"), if so. */
  readonly failedChange?: string;
}

/** One AppConfig covering the workload, with its covered workloads in rollout order. */
export interface GateAppConfig {
  readonly name: string;
  readonly spec: AppConfigSpec;
  readonly members: readonly GateMember[];
  /** Failed changes a `confighash.dev/resume` acknowledged: they no longer halt anything. */
  readonly acknowledged: ReadonlySet<string>;
  /** A confighash.dev/roll-now value not yet consumed: what is pending rolls outside the windows, once. */
  readonly rollNow?: boolean;
}

export interface GateInput {
  /** The workload asking, "Deployment/web". */
  readonly self: string;
  readonly dryRun: boolean;
  readonly appConfigs: readonly GateAppConfig[];
  /** --max-concurrent-rollouts: undefined means no limit. */
  readonly maxConcurrentRollouts?: number;
  /** Workloads rolling anywhere in this controller's scope, this one excluded. */
  readonly rollingEverywhere: number;
  /** Milliseconds since the epoch, for maintenance windows: core has no clock. */
  readonly now: number;
}

/**
 * The rules that hold a roll back, first match wins: the whole controller in dry-run, an
 * AppConfig suspended, a change halted by a failed rollout, every maintenance window closed
 * (unless a new confighash.dev/roll-now value overrides them once), no free slot in a staged
 * rollout (or not this workload's turn in the stable order), the global cap.
 */
export function rolloutGate(input: GateInput): RolloutGate {
  if (input.dryRun) return hold('WouldRoll', 'the controller runs with --dry-run');
  const suspended = input.appConfigs.find((ac) => ac.spec.suspend === true);
  if (suspended) return hold('WouldRoll', `AppConfig ${suspended.name} is suspended (spec.suspend)`);
  for (const ac of input.appConfigs) {
    const failed = haltingFailures(ac);
    if (failed.length > 0) {
      return hold('Halted', `AppConfig ${ac.name} halted its rollout: ${failed.join(', ')} failed; fix it, change the content again, or annotate the AppConfig with a new confighash.dev/resume value`);
    }
    const windows = ac.spec.rollout?.windows;
    if (windows !== undefined && windows.length > 0 && ac.rollNow !== true) {
      const state = windowState(windows, input.now);
      if (!state.open) {
        return hold('Waiting', `AppConfig ${ac.name} rolls only in its maintenance windows; the next opens at ${new Date(state.opensAt).toISOString()} (${describeWindow(state.window)})`);
      }
    }
    const max = ac.spec.rollout?.maxUnavailableWorkloads;
    if (max === undefined) continue;
    // Rolling already (its rollout for an older change failed or is still going): it holds a
    // slot, and rolling it again for the newer change makes no other workload unavailable.
    if (ac.members.some((m) => m.id === input.self && m.rolling)) continue;
    const rolling = ac.members.filter((m) => m.rolling && m.id !== input.self).length;
    const queue = ac.members.filter((m) => m.wantsToRoll && !m.rolling).map((m) => m.id);
    const turn = queue.indexOf(input.self);
    if (rolling >= max || turn < 0 || turn >= max - rolling) {
      return hold('Waiting', `AppConfig ${ac.name} rolls at most ${max} workload(s) at once; ${rolling} rolling, this one is number ${turn + 1} in line`);
    }
  }
  if (input.maxConcurrentRollouts !== undefined && input.rollingEverywhere >= input.maxConcurrentRollouts) {
    return hold('Waiting', `${input.rollingEverywhere} workloads are rolling, the most --max-concurrent-rollouts allows`);
  }
  return OPEN_GATE;
}

/** Whether halting applies: set explicitly, or implied by a staged rollout. */
export function haltsOnFailure(spec: AppConfigSpec): boolean {
  return spec.rollout?.haltOnFailure ?? spec.rollout?.maxUnavailableWorkloads !== undefined;
}

/** The failed changes that halt this AppConfig's rollout now. */
export function haltingFailures(ac: GateAppConfig): string[] {
  if (!haltsOnFailure(ac.spec)) return [];
  return ac.members.flatMap((m) => (m.failedChange !== undefined && !ac.acknowledged.has(m.failedChange) ? [m.id] : []));
}

/**
 * The stable rollout order: the workloads named in spec.workloads.names, in the order listed
 * (put a canary first), then every other covered workload by kind and name.
 */
export function inRolloutOrder<T extends { kind: string; name: string }>(spec: AppConfigSpec, workloads: readonly T[]): T[] {
  const named = (spec.workloads?.names ?? []).map((n) => `${n.kind}/${n.name}`);
  const position = (w: T): number => {
    const i = named.indexOf(`${w.kind}/${w.name}`);
    return i < 0 ? named.length : i;
  };
  return [...workloads].sort((a, b) => position(a) - position(b) || compareCodePoints(a.kind, b.kind) || compareCodePoints(a.name, b.name));
}

function hold(reason: 'WouldRoll' | 'Waiting' | 'Halted', message: string): RolloutGate {
  return { kind: 'hold', reason, message };
}
