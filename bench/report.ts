import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Machine, Versions } from './machine.ts';
import type { PeersResult } from './peers/phase.ts';
import { formatPeerComparison } from './peers/report.ts';
import type { BurstResult } from './scenarios/burst.ts';
import type { LatencyResult } from './scenarios/latency.ts';
import type { RestartResult } from './scenarios/restart.ts';
import type { ScaleResult } from './scenarios/scale.ts';
import type { SoakResult } from './scenarios/soak.ts';
import type { ScaleSweepResult } from './scenarios/scale-sweep.ts';
import type { AdoptionEditResult } from './scenarios/adoption-edit.ts';
import { measured } from './peers/phase.ts';

export interface Goal {
  figure: string;
  value: string;
  goal: string;
  met: boolean;
  /** The run cannot tell either way (met is then false): e.g. a slope whose error straddles the goal. */
  inconclusive?: true;
}

export interface BenchResult {
  schema: 1;
  started_at: string;
  finished_at?: string;
  duration_s?: number;
  run: {
    profile: 'small' | 'full';
    scenarios: string[];
    bench_flags: string[];
    commit: string;
    src_dirty: boolean;
    etcd_fsync: boolean;
    /** Extra node options the controller ran with (--node-option); empty for the product's own figures. */
    controller_node_options: string[];
    /** Extra controller flags (--controller-flag); empty for the product's own figures. */
    controller_flags?: string[];
    load_start: number[];
    load_end?: number[];
    control_plane_start_s?: number;
  };
  machine: Machine;
  versions?: Versions;
  latency?: LatencyResult | { error: string };
  burst?: BurstResult | { error: string };
  scale?: ScaleResult | { error: string };
  restart?: RestartResult | { error: string };
  soak?: SoakResult | { error: string };
  'scale-sweep'?: ScaleSweepResult | { error: string };
  'adoption-edit'?: AdoptionEditResult | { error: string };
  /** --peers: other reload controllers run on the scale scenario's objects after confighash. */
  peers?: PeersResult;
  goals?: Goal[];
}

function ok<T extends object>(section: T | { error: string } | undefined): T | undefined {
  return section && !('error' in section) ? (section as T) : undefined;
}

/** The goals, checked against a result. */
export function evaluateGoals(result: BenchResult): Goal[] {
  const goals: Goal[] = [];
  const latency = ok<LatencyResult>(result.latency);
  if (latency) {
    goals.push({ figure: 'latency p99 vs floor p99', value: `${latency.p99_ratio}×`, goal: '≤ 2×', met: latency.p99_ratio <= 2 });
  }
  const scale = ok<ScaleResult>(result.scale);
  if (scale) {
    goals.push({ figure: 'scale convergence', value: `${scale.convergence_s} s`, goal: '≤ 30 s', met: scale.convergence_s <= 30 });
    goals.push({ figure: 'scale peak RSS', value: `${scale.peak_rss_mib} MiB`, goal: '≤ 200 MiB', met: scale.peak_rss_mib <= 200 });
    goals.push({ figure: 'scale LISTs', value: `${scale.lists}`, goal: `≤ ${scale.list_bound} (types × pages)`, met: scale.lists <= scale.list_bound });
    goals.push({ figure: `steady writes (${scale.steady_window_s} s)`, value: `${scale.steady_writes}`, goal: '0', met: scale.steady_writes === 0 });
    goals.push({
      figure: 'scale start-up workload PATCHes',
      value: `${scale.startup_workload_writes} (WorkloadRecord writes ${scale.startup_record_writes})`,
      goal: '0',
      met: scale.startup_workload_writes === 0,
    });
    const reloader = result.peers?.reloader;
    if (measured(reloader) && reloader.settled) {
      const peak = scale.peak_rss_mib / reloader.peak_rss_mib;
      goals.push({ figure: 'scale peak RSS vs Reloader, same run', value: `${scale.peak_rss_mib} / ${reloader.peak_rss_mib} MiB = ${peak.toFixed(2)}×`, goal: '≤ 0.7×', met: peak <= 0.7 });
      const settled = scale.apiserver_activity?.settled_s;
      if (settled !== undefined && settled !== null && reloader.settled_s !== null && reloader.settled_s > 0) {
        const ratio = settled / reloader.settled_s;
        goals.push({ figure: 'scale cold start settled vs Reloader, same run', value: `${settled} / ${reloader.settled_s} s = ${ratio.toFixed(2)}×`, goal: '≤ 1.5×', met: ratio <= 1.5 });
      }
    }
  }
  const adoption = ok<AdoptionEditResult>(result['adoption-edit']);
  if (adoption) {
    goals.push({
      figure: 'adoption-edit: an edit right after /readyz, while workloads are being adopted, rolls its workload',
      value: `rolled ${adoption.edit_during_startup_rolled} after ${adoption.edit_during_startup_s ?? '-'} s; ${adoption.edited_replica_sets} ReplicaSets; ${adoption.others_rolled} others rolled`,
      goal: 'rolled, 2 ReplicaSets, 0 others',
      met: adoption.edit_during_startup_rolled && adoption.edited_replica_sets === 2 && adoption.others_rolled === 0,
    });
  }
  const sweep = ok<ScaleSweepResult>(result['scale-sweep']);
  if (sweep) {
    const [one, two] = sweep.slopes;
    goals.push({
      figure: 'scale-sweep: steady RSS slope at 2× ConfigMap size vs 1×',
      value: `${two?.steady_mib_per_1000_objects ?? '?'} vs ${one?.steady_mib_per_1000_objects ?? '?'} MiB per 1,000 objects = ${sweep.steady_slope_ratio_2x_size}×`,
      goal: '≤ 1.25× (grows with the count, not the size)',
      met: sweep.steady_slope_ratio_2x_size > 0 && sweep.steady_slope_ratio_2x_size <= 1.25,
    });
  }
  const burst = ok<BurstResult>(result.burst);
  if (burst) {
    goals.push({
      figure: 'burst rollouts vs affected workloads',
      value: `${burst.rollouts_total} rollouts, ${burst.patches} template PATCHes (max ${burst.rollouts_per_workload_max} / ${burst.max_patches_per_deployment} per workload)`,
      goal: `≤ ${burst.affected_workloads}; ${burstSpan(burst)}`,
      // A PATCH is a rollout the rate-limited deployment controller may fold into the next one: count both.
      met: burst.rollouts_total <= burst.affected_workloads && burst.patches <= burst.affected_workloads,
    });
  }
  const restart = ok<RestartResult>(result.restart);
  if (restart) {
    goals.push({
      figure: 'restart patches / rollouts / record writes',
      value: `${restart.patches} / ${restart.rollouts} / ${restart.record_writes}`,
      goal: '0 / 0 / 0',
      met: restart.patches === 0 && restart.rollouts === 0 && restart.record_writes === 0,
    });
  }
  const soak = ok<SoakResult>(result.soak);
  if (soak) {
    goals.push(soakSlopeGoal(soak));
    goals.push({ figure: 'soak peak RSS', value: `${soak.peak_rss_mib} MiB`, goal: '≤ 150 MiB', met: soak.peak_rss_mib <= 150 });
    goals.push({
      figure: 'soak rollouts vs ideal',
      value: `${soak.rollouts} (ideal ${soak.ideal_rollouts}; ${soak.ideal_rollouts_range.join('–')} with edits 250 ms early or late)`,
      goal: `= ${soak.ideal_rollouts}`,
      met: soak.rollouts === soak.ideal_rollouts,
    });
  }
  return goals;
}

/**
 * RSS must not grow by more than 1 MiB/h once warm. The slope is judged with its error: met
 * when even slope + 2 standard errors is within the goal, missed when even slope − 2 standard
 * errors is above it, and inconclusive in between. RSS moves by tens of MiB between major GCs,
 * so a run of minutes can rarely tell; an hour or more can.
 */
export function soakSlopeGoal(soak: Pick<SoakResult, 'rss_warmup_s' | 'rss_slope_mib_per_hour' | 'rss_slope_stderr_mib_per_hour' | 'rss_slope_samples' | 'rss_slope_window_s' | 'minutes'>): Goal {
  const figure = `soak RSS slope after a ${soak.rss_warmup_s} s warm-up`;
  const goal = '≤ 1 MiB/h';
  const slope = soak.rss_slope_mib_per_hour;
  const stderr = soak.rss_slope_stderr_mib_per_hour;
  if (slope === null || stderr === null) {
    return { figure, value: `none: ${soak.rss_slope_samples} sample(s) after the warm-up of a ${soak.minutes} min soak`, goal, met: false, inconclusive: true };
  }
  const value = `${slope} ± ${stderr} MiB/h over ${soak.rss_slope_window_s?.join('–')} s (${soak.rss_slope_samples} samples)`;
  if (slope + 2 * stderr <= 1) return { figure, value, goal, met: true };
  if (slope - 2 * stderr > 1) return { figure, value, goal, met: false };
  return { figure, value: `${value}: cannot tell, slope ± 2 errors spans the goal`, goal, met: false, inconclusive: true };
}

/** Whether the burst was short enough for the goal to hold: its edits must end before the longest debounce wait. */
function burstSpan(burst: BurstResult): string {
  if (burst.debounce_max_s === 0) return `edits span ${burst.span_s} s, no longest wait`;
  const relation = burst.span_s < burst.debounce_max_s ? '<' : 'NOT <';
  return `edits span ${burst.span_s} s ${relation} longest wait ${burst.debounce_max_s} s`;
}

/** A short table for the terminal and for BENCHMARKS.md. */
export function formatTable(result: BenchResult): string {
  const rows: [string, string, string][] = [];
  const add = (scenario: string, figure: string, value: string | number): void => void rows.push([scenario, figure, String(value)]);
  const latency = result.latency;
  if (latency && 'error' in latency) add('latency', 'error', latency.error);
  else if (latency) {
    add('latency', `confighash p50 / p99 (ms, ${latency.edits} edits)`, `${latency.p50_ms} / ${latency.p99_ms}`);
    add('latency', 'floor p50 / p99 (ms)', `${latency.floor_p50_ms} / ${latency.floor_p99_ms}`);
    add('latency', 'ratio p50 / p99 (goal p99 ≤ 2×)', `${latency.p50_ratio}× / ${latency.p99_ratio}×`);
  }
  const scale = result.scale;
  if (scale && 'error' in scale) add('scale', 'error', scale.error);
  else if (scale) {
    add('scale', 'objects (CM / Secret / Deploy / CronJob / AppConfig)', `${scale.objects.configmaps} / ${scale.objects.secrets} / ${scale.objects.deployments} / ${scale.objects.cronjobs} / ${scale.objects.appconfigs}`);
    add('scale', 'ready / convergence (s, goal ≤ 30)', `${scale.ready_s} / ${scale.convergence_s}`);
    add('scale', 'peak RSS (MiB, goal ≤ 200)', scale.peak_rss_mib);
    add('scale', `RSS after ${scale.steady_window_s} s steady (MiB)`, scale.steady_rss_mib);
    add('scale', 'LISTs / bound (types × pages)', `${scale.lists} / ${scale.list_bound}`);
    add(
      'scale',
      'start-up writes (PATCH workloads / records / status / Events)',
      `${scale.startup_workload_writes} / ${scale.startup_record_writes} / ${scale.startup_writes.status_patches} / ${scale.startup_writes.events}`,
    );
    const cpu = scale.cpu_s_by_process_to_settle;
    if (cpu) {
      const parts = Object.entries(cpu).filter(([name]) => name !== 'total').sort(([, a], [, b]) => b - a).map(([name, s]) => `${name} ${s}`);
      add('scale', `CPU s, spawn to settled (${scale.settled_s} s on the machine's cores)`, `${parts.join(' / ')} (total ${cpu.total})`);
    }
    add('scale', `records correct / Deployments`, `${scale.baselines_correct} / ${scale.objects.deployments}`);
    add('scale', `records correct / CronJobs`, `${scale.cronjob_records_correct} / ${scale.objects.cronjobs}`);
    add('scale', `steady writes in ${scale.steady_window_s} s (goal 0)`, scale.steady_writes);
  }
  const burst = result.burst;
  if (burst && 'error' in burst) add('burst', 'error', burst.error);
  else if (burst) {
    add('burst', 'edits / span (s) / affected Deployments', `${burst.edits} / ${burst.span_s} / ${burst.affected_workloads}`);
    add('burst', 'debounce flags (quiet / longest wait, s)', `${burst.debounce_flags.join(' ') || 'defaults'} (${burst.debounce_s} / ${burst.debounce_max_s || 'no cap'})`);
    add('burst', 'rollouts (new ReplicaSets) / affected (goal ≤)', `${burst.rollouts_total} / ${burst.affected_workloads}`);
    add('burst', 'template PATCHes / WorkloadRecord writes', `${burst.patches} / ${burst.record_writes}`);
    add('burst', 'rollouts per Deployment min/mean/max', `${burst.min_rollouts_per_deployment} / ${burst.mean_rollouts_per_deployment} / ${burst.rollouts_per_workload_max}`);
    add('burst', 'most template PATCHes to one Deployment', burst.max_patches_per_deployment);
    add('burst', 'converged after last edit (s)', burst.converge_after_last_edit_s);
  }
  const restart = result.restart;
  if (restart && 'error' in restart) add('restart', 'error', restart.error);
  else if (restart) {
    add('restart', 'PATCHes / rollouts / record writes (goal 0 / 0 / 0)', `${restart.patches} / ${restart.rollouts} / ${restart.record_writes}`);
    add('restart', 'ready / settled (s)', `${restart.ready_s} / ${restart.settled_s}`);
  }
  const adoption = result['adoption-edit'];
  if (adoption && 'error' in adoption) add('adoption-edit', 'error', adoption.error);
  else if (adoption) {
    add('adoption-edit', 'workloads / records written when edited / edit at (s after spawn)', `${adoption.workloads} / ${adoption.records_when_edited} / ${adoption.edit_at_s}`);
    add('adoption-edit', 'edit → template patch (s) / ReplicaSets of the edited / others rolled', `${adoption.edit_during_startup_s ?? 'never'} / ${adoption.edited_replica_sets} / ${adoption.others_rolled}`);
  }
  const sweep = result['scale-sweep'];
  if (sweep && 'error' in sweep) add('scale-sweep', 'error', sweep.error);
  else if (sweep) {
    for (const p of sweep.points) {
      add('scale-sweep', `${p.objects} objects, ConfigMaps ${p.configmap_bytes} B: peak / steady RSS (MiB)`, `${p.peak_rss_mib} / ${p.steady_rss_mib}`);
    }
    for (const s of sweep.slopes) {
      add('scale-sweep', `MiB per 1,000 objects at ${s.configmap_size_factor}× ConfigMap size (steady / peak)`, `${s.steady_mib_per_1000_objects} / ${s.peak_mib_per_1000_objects}`);
    }
  }
  const soak = result.soak;
  if (soak && 'error' in soak) add('soak', 'error', soak.error);
  else if (soak) {
    add('soak', 'minutes / edits (rate /s) / churn namespaces', `${soak.minutes} / ${soak.edits} (${soak.edit_rate_per_s}) / ${soak.churn.namespaces}`);
    const samples = soak.rss_samples_mib;
    add('soak', 'RSS first / last sample / peak (MiB)', `${samples[0] ?? '?'} / ${samples.at(-1) ?? '?'} / ${soak.peak_rss_mib}`);
    add('soak', `RSS slope after ${soak.rss_warmup_s} s (MiB/h, goal ≤ 1)`, soak.rss_slope_mib_per_hour === null ? 'none' : `${soak.rss_slope_mib_per_hour} ± ${soak.rss_slope_stderr_mib_per_hour ?? '?'}`);
    add('soak', 'rollouts / ideal (goal =)', `${soak.rollouts} / ${soak.ideal_rollouts}`);
    add('soak', 'Deployments without their final checksum', soak.deployments_behind.length);
    add('soak', 'errors (log lines ≥ 50 / failed reconciles)', `${soak.errors.error_lines} / ${soak.errors.failed_reconciles}`);
    const w = soak.writes_per_change;
    add('soak', 'writes per change (Deploy / record / status / Event)', `${w.deployments} / ${w.workloadrecords} / ${w.appconfig_status} / ${w.events}`);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0), ['scenario', 'figure', 'value'][i]?.length ?? 0));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const out = [line(['scenario', 'figure', 'value']), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  const options = result.run.controller_node_options;
  if (options.length > 0) out.unshift(`EXPERIMENT node ${options.join(' ')}: not the product's default figures`, '');
  if (result.peers) out.push('', 'Peers on the scale objects (confighash / peer; ≥ and > mark figures taken at the wait cap):', formatPeerComparison(ok<ScaleResult>(result.scale), result.peers));
  const goals = result.goals ?? [];
  if (goals.length > 0) {
    out.push('', 'Goals:');
    for (const goal of goals) out.push(`  ${goal.inconclusive ? 'UNSURE' : goal.met ? 'met   ' : 'MISSED'}  ${goal.figure}: ${goal.value} (goal ${goal.goal})`);
  }
  return out.join('\n');
}

export async function writeReport(file: string, result: BenchResult): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}
