import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffCounts, parseApiserverMetrics, perChange, recordWrites, sumVerbs, workloadPatches, writesByResource } from '../../../bench/apiserver-metrics.ts';
import { parseBenchArgs } from '../../../bench/args.ts';
import { evaluateGoals, formatTable, type BenchResult } from '../../../bench/report.ts';
import { kibField } from '../../../bench/rss.ts';
import { distribution, percentile } from '../../../bench/stats.ts';

test('percentiles use the nearest rank, so p99 of 200 samples is the 198th smallest', () => {
  const samples = Array.from({ length: 200 }, (_, i) => 200 - i);
  assert.equal(percentile(samples, 50), 100);
  assert.equal(percentile(samples, 99), 198);
  assert.equal(percentile(samples, 100), 200);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(distribution([1, 2, 3, 4]), { count: 4, min: 1, p50: 2, p90: 4, p99: 4, max: 4, mean: 2.5 });
});

test('apiserver request counters are summed per verb and resource, and diffed', () => {
  const before = parseApiserverMetrics(
    [
      '# HELP apiserver_request_total Counter',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="cluster",subresource="",verb="LIST",version="v1"} 3',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="PATCH",version="v1"} 10',
      'apiserver_longrunning_requests{component="apiserver",group="",resource="secrets",scope="cluster",subresource="",verb="WATCH",version="v1"} 1',
      'apiserver_flowcontrol_dispatched_requests_total{flow_schema="service-accounts",priority_level="workload-low"} 5',
    ].join('\n'),
  );
  const after = parseApiserverMetrics(
    [
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="cluster",subresource="",verb="LIST",version="v1"} 24',
      'apiserver_request_total{code="409",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="PATCH",version="v1"} 1',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="PATCH",version="v1"} 10',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="confighash.dev",resource="appconfigs",scope="resource",subresource="status",verb="PATCH",version="v1"} 4',
      'apiserver_longrunning_requests{component="apiserver",group="",resource="secrets",scope="cluster",subresource="",verb="WATCH",version="v1"} 2',
      'apiserver_flowcontrol_dispatched_requests_total{flow_schema="service-accounts",priority_level="workload-low"} 9',
    ].join('\n'),
  );
  const requests = diffCounts(before.requests, after.requests);
  assert.deepEqual(requests, { 'LIST configmaps': 21, 'PATCH appconfigs.confighash.dev/status': 4, 'PATCH deployments.apps': 1 });
  assert.deepEqual(diffCounts(before.longRunning, after.longRunning), { 'WATCH secrets': 1 });
  assert.deepEqual(diffCounts(before.byFlowSchema, after.byFlowSchema), { 'service-accounts': 4 });
  assert.equal(sumVerbs(requests, ['PATCH']), 5);
  assert.equal(sumVerbs(requests, ['PATCH'], /^deployments\.apps$/), 1);
});

test('workload PATCHes and WorkloadRecord writes are counted apart, leaving out status and garbage collection', () => {
  const requests = {
    'PATCH deployments.apps': 3,
    'PATCH statefulsets.apps': 1,
    'PUT deployments.apps': 7,
    'PATCH deployments.apps/status': 5,
    'POST workloadrecords.confighash.dev': 20,
    'PUT workloadrecords.confighash.dev': 4,
    'DELETE workloadrecords.confighash.dev': 9,
    'LIST workloadrecords.confighash.dev': 2,
    'PATCH appconfigs.confighash.dev/status': 6,
  };
  assert.equal(workloadPatches(requests), 4);
  assert.equal(recordWrites(requests), 24);
  assert.equal(workloadPatches({}), 0);
  assert.equal(recordWrites({ 'POST workloadrecords.other.example': 1 }), 0);
});

test('writes per content change are counted by resource: template PATCHes, record writes, status PATCHes and Events, nothing else', () => {
  const requests = {
    'PATCH deployments.apps': 40,
    'PUT deployments.apps': 35,
    'PUT deployments.apps/status': 80,
    'POST workloadrecords.confighash.dev': 2,
    'PUT workloadrecords.confighash.dev': 40,
    'PATCH appconfigs.confighash.dev/status': 5,
    'PATCH appconfigs.confighash.dev': 1,
    'POST events.events.k8s.io': 30,
    'PATCH events.events.k8s.io': 10,
    'POST events': 99,
  };
  const writes = writesByResource(requests);
  assert.deepEqual(writes, { deployments: 40, workloadrecords: 42, appconfig_status: 5, events: 40 });
  assert.deepEqual(perChange(writes, 20), { deployments: 2, workloadrecords: 2.1, appconfig_status: 0.25, events: 2 });
  assert.deepEqual(perChange(writes, 0), { deployments: null, workloadrecords: null, appconfig_status: null, events: null });
});

test('VmRSS and VmHWM are read in kB from /proc status text', () => {
  const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
  assert.equal(kibField(status, 'VmHWM'), 204800);
  assert.equal(kibField(status, 'VmRSS'), 102400);
  assert.equal(kibField(status, 'VmSwap'), 0);
});

test('bench arguments default to the full profile with every scenario but the soak, and reject unknown ones', () => {
  assert.deepEqual(parseBenchArgs([]), {
    scale: 'full', scenarios: ['latency', 'burst', 'scale', 'restart'], cpuProf: false, heapSnapshot: false, apiserverProfile: false, fsync: false, nodeOptions: [], controllerFlags: [], soakMinutes: 10, out: 'bench/results/latest.json',
  });
  const experiment = parseBenchArgs(['--only', 'scale', '--controller-flag=--concurrency=16', '--controller-flag=--debounce=0']);
  assert.ok(experiment !== 'help');
  assert.deepEqual(experiment.controllerFlags, ['--concurrency=16', '--debounce=0']);
  const small = parseBenchArgs(['--scale', 'small', '--only', 'restart,scale']);
  assert.ok(small !== 'help');
  assert.deepEqual(small.scenarios, ['scale', 'restart']);
  assert.throws(() => parseBenchArgs(['--scale', 'huge']), /--scale must be small or full/);
  assert.throws(() => parseBenchArgs(['--only', 'soak,leak']), /unknown scenario leak/);
});

test('the soak runs only when named, for --soak-minutes', () => {
  const soak = parseBenchArgs(['--only', 'soak', '--soak-minutes', '3']);
  assert.ok(soak !== 'help');
  assert.deepEqual([soak.scenarios, soak.soakMinutes], [['soak'], 3]);
  assert.throws(() => parseBenchArgs(['--only', 'soak', '--soak-minutes', '0']), /--soak-minutes must be a positive number, not "0"/);
  assert.throws(() => parseBenchArgs(['--soak-minutes', 'ten']), /--soak-minutes must be a positive number/);
});

test('the report names missed goals and keeps the stable field names', () => {
  const result = {
    schema: 1,
    started_at: '2026-01-01T00:00:00Z',
    run: { profile: 'small', scenarios: ['latency', 'restart'], bench_flags: [], commit: 'x', src_dirty: false, etcd_fsync: false, controller_node_options: [], load_start: [0, 0, 0] },
    machine: { nproc: 2, memory_gib: 8, cpu_model: 'test', kernel: 'test' },
    latency: { edits: 10, p50_ms: 10, p99_ms: 50, floor_p50_ms: 5, floor_p99_ms: 20, p50_ratio: 2, p99_ratio: 2.5 },
    restart: { patches: 0, rollouts: 0, record_writes: 0, ready_s: 1, settled_s: 2 },
  } as unknown as BenchResult;
  const goals = evaluateGoals(result);
  assert.deepEqual(goals.map((g) => [g.figure, g.met]), [['latency p99 vs floor p99', false], ['restart patches / rollouts / record writes', true]]);
  const table = formatTable({ ...result, goals });
  assert.match(table, /\| latency +\| confighash p50 \/ p99 \(ms, 10 edits\) +\| 10 \/ 50 +\|/);
  assert.match(table, /MISSED {2}latency p99 vs floor p99: 2.5× \(goal ≤ 2×\)/);
  assert.match(table, /met {5}restart patches \/ rollouts \/ record writes: 0 \/ 0 \/ 0/);
});

const run = { profile: 'small', scenarios: ['burst', 'scale'], bench_flags: [], commit: 'x', src_dirty: false, etcd_fsync: false, controller_node_options: [], load_start: [0, 0, 0] };
const machine = { nproc: 2, memory_gib: 8, cpu_model: 'test', kernel: 'test' };
const burst = {
  edits: 200, span_s: 4.1, affected_workloads: 20, debounce_flags: [], debounce_s: 1, debounce_max_s: 10, rollouts_total: 20, patches: 20, record_writes: 20,
  min_rollouts_per_deployment: 1, mean_rollouts_per_deployment: 1, rollouts_per_workload_max: 1, max_patches_per_deployment: 1, converge_after_last_edit_s: 1.2,
};

test('the burst goal is met when rollouts and template PATCHes are at most one per affected workload, and the span is shown against the longest wait', () => {
  const result = { schema: 1, started_at: '', run, machine, burst } as unknown as BenchResult;
  const [goal] = evaluateGoals(result);
  assert.equal(goal?.figure, 'burst rollouts vs affected workloads');
  assert.equal(goal?.met, true);
  assert.equal(goal?.goal, '≤ 20; edits span 4.1 s < longest wait 10 s');
  const table = formatTable({ ...result, goals: [goal!] });
  assert.match(table, /\| burst +\| rollouts \(new ReplicaSets\) \/ affected \(goal ≤\) +\| 20 \/ 20 +\|/);
  assert.match(table, /\| burst +\| template PATCHes \/ WorkloadRecord writes +\| 20 \/ 20 +\|/);
  assert.match(table, /\| burst +\| debounce flags \(quiet \/ longest wait, s\) +\| defaults \(1 \/ 10\) +\|/);
});

test('the burst goal is missed when a workload rolled more than once, even if the deployment controller folded the patches into fewer ReplicaSets', () => {
  const overRolled = { ...burst, rollouts_total: 34, rollouts_per_workload_max: 3 };
  const folded = { ...burst, rollouts_total: 18, patches: 61, max_patches_per_deployment: 4 };
  const uncapped = { ...burst, span_s: 11, debounce_flags: ['--debounce', '2s', '--debounce-max', '0'], debounce_s: 2, debounce_max_s: 0 };
  const goalOf = (b: object) => evaluateGoals({ schema: 1, started_at: '', run, machine, burst: b } as unknown as BenchResult)[0];
  assert.equal(goalOf(overRolled)?.met, false);
  assert.equal(goalOf(overRolled)?.value, '34 rollouts, 20 template PATCHes (max 3 / 1 per workload)');
  assert.equal(goalOf(folded)?.met, false);
  assert.equal(goalOf({ ...burst, span_s: 10.2 })?.goal, '≤ 20; edits span 10.2 s NOT < longest wait 10 s');
  assert.equal(goalOf(uncapped)?.goal, '≤ 20; edits span 11 s, no longest wait');
  assert.match(formatTable({ schema: 1, started_at: '', run, machine, burst: uncapped } as unknown as BenchResult), /--debounce 2s --debounce-max 0 \(2 \/ no cap\)/);
});

test('scale start-up writes to workloads must be 0; WorkloadRecord writes are reported beside them', () => {
  const scale = {
    objects: { configmaps: 240, secrets: 240, deployments: 48, appconfigs: 24 }, ready_s: 1, convergence_s: 5, peak_rss_mib: 150, steady_rss_mib: 140, steady_window_s: 15,
    lists: 6, list_bound: 6, steady_writes: 0, startup_workload_writes: 0, startup_record_writes: 48, startup_writes: { deployment_patches: 0, status_patches: 24, events: 0 }, baselines_correct: 48,
  };
  const goalOf = (s: object) => evaluateGoals({ schema: 1, started_at: '', run, machine, scale: s } as unknown as BenchResult).find((g) => g.figure === 'scale start-up workload PATCHes');
  assert.deepEqual(goalOf(scale), { figure: 'scale start-up workload PATCHes', value: '0 (WorkloadRecord writes 48)', goal: '0', met: true });
  assert.equal(goalOf({ ...scale, startup_workload_writes: 48 })?.met, false);
  const table = formatTable({ schema: 1, started_at: '', run, machine, scale } as unknown as BenchResult);
  assert.match(table, /\| scale +\| start-up writes \(PATCH workloads \/ records \/ status \/ Events\) +\| 0 \/ 48 \/ 24 \/ 0 +\|/);
  assert.match(table, /\| scale +\| records correct \/ Deployments +\| 48 \/ 48 +\|/);
});

test('a restart that rewrites WorkloadRecords misses the restart goal, though it patched and rolled nothing', () => {
  const restart = { patches: 0, rollouts: 0, record_writes: 117, ready_s: 1, settled_s: 2 };
  const goals = evaluateGoals({ schema: 1, started_at: '', run, machine, restart } as unknown as BenchResult);
  assert.deepEqual(goals, [{ figure: 'restart patches / rollouts / record writes', value: '0 / 0 / 117', goal: '0 / 0 / 0', met: false }]);
});

const soak = {
  minutes: 10, edits: 3000, edit_rate_per_s: 5, churn: { namespaces: 10 }, rss_warmup_s: 120, rss_samples_mib: [150, 160, 161], peak_rss_mib: 175,
  rss_slope_mib_per_hour: 0.1, rss_slope_stderr_mib_per_hour: 0.4, rss_slope_samples: 49, rss_slope_window_s: [120, 600],
  rollouts: 5180, ideal_rollouts: 5180, ideal_rollouts_range: [5180, 5180], deployments_behind: [], errors: { error_lines: 0, failed_reconciles: 0 },
  writes_per_change: { deployments: 1.73, workloadrecords: 1.73, appconfig_status: 0, events: 1.73 },
};
const soakGoals = (s: object) => evaluateGoals({ schema: 1, started_at: '', run, machine, soak: s } as unknown as BenchResult);

test('the soak meets its goals when RSS is flat within two standard errors after the warm-up and rollouts equal the ideal', () => {
  assert.deepEqual(soakGoals({ ...soak, peak_rss_mib: 140 }), [
    { figure: 'soak RSS slope after a 120 s warm-up', value: '0.1 ± 0.4 MiB/h over 120–600 s (49 samples)', goal: '≤ 1 MiB/h', met: true },
    { figure: 'soak peak RSS', value: '140 MiB', goal: '≤ 150 MiB', met: true },
    { figure: 'soak rollouts vs ideal', value: '5180 (ideal 5180; 5180–5180 with edits 250 ms early or late)', goal: '= 5180', met: true },
  ]);
  assert.equal(soakGoals(soak).find((g) => g.figure === 'soak peak RSS')?.met, false, 'a peak of 175 MiB misses ≤ 150 MiB');
  const table = formatTable({ schema: 1, started_at: '', run, machine, soak } as unknown as BenchResult);
  assert.match(table, /\| soak +\| RSS first \/ last sample \/ peak \(MiB\) +\| 150 \/ 161 \/ 175 +\|/);
  assert.match(table, /\| soak +\| writes per change \(Deploy \/ record \/ status \/ Event\) +\| 1.73 \/ 1.73 \/ 0 \/ 1.73 +\|/);
});

test('the soak misses its goals when RSS grows beyond two standard errors, and when it rolls more or less than the ideal', () => {
  const met = (s: object) => soakGoals(s).filter((g) => g.figure !== 'soak peak RSS').map((g) => [g.met, g.inconclusive ?? false]);
  assert.deepEqual(met({ ...soak, rss_slope_mib_per_hour: 12, rss_slope_stderr_mib_per_hour: 3 }), [[false, false], [true, false]]);
  assert.deepEqual(met({ ...soak, rollouts: 5181 }), [[true, false], [false, false]]);
  assert.deepEqual(met({ ...soak, rollouts: 5100 }), [[true, false], [false, false]]);
});

test('a soak too short or too noisy to tell the RSS trend is reported as unsure, neither met nor missed', () => {
  const noisy = soakGoals({ ...soak, minutes: 3, rss_slope_mib_per_hour: -6809, rss_slope_stderr_mib_per_hour: 3737, rss_slope_samples: 7, rss_slope_window_s: [120, 180] })[0];
  assert.deepEqual(noisy, {
    figure: 'soak RSS slope after a 120 s warm-up',
    value: '-6809 ± 3737 MiB/h over 120–180 s (7 samples): cannot tell, slope ± 2 errors spans the goal',
    goal: '≤ 1 MiB/h',
    met: false,
    inconclusive: true,
  });
  const short = soakGoals({ ...soak, minutes: 2, rss_slope_mib_per_hour: null, rss_slope_stderr_mib_per_hour: null, rss_slope_samples: 1, rss_slope_window_s: [120, 120] })[0];
  assert.deepEqual([short?.value, short?.met, short?.inconclusive], ['none: 1 sample(s) after the warm-up of a 2 min soak', false, true]);
  const table = formatTable({ schema: 1, started_at: '', run, machine, soak, goals: [noisy!] } as unknown as BenchResult);
  assert.match(table, /UNSURE {2}soak RSS slope after a 120 s warm-up/);
});

test('the scale sweep meets its goal when the RSS slope per object does not grow with the ConfigMap size, and lists every point', () => {
  const point = (objects: number, factor: number, steady: number) => ({ objects_fraction: 1, configmap_size_factor: factor, objects, configmap_bytes: 10240 * factor, peak_rss_mib: steady + 10, steady_rss_mib: steady, heap_used_mib: 1, convergence_s: 1 });
  const sweep = {
    points: [point(1000, 1, 100), point(4000, 1, 130), point(1000, 2, 101), point(4000, 2, 133)],
    slopes: [
      { configmap_size_factor: 1, steady_mib_per_1000_objects: 10, peak_mib_per_1000_objects: 10 },
      { configmap_size_factor: 2, steady_mib_per_1000_objects: 11, peak_mib_per_1000_objects: 11 },
    ],
    steady_slope_ratio_2x_size: 1.1,
  };
  const goalOf = (s: object) => evaluateGoals({ schema: 1, started_at: '', run, machine, 'scale-sweep': s } as unknown as BenchResult)[0];
  assert.deepEqual(goalOf(sweep), {
    figure: 'scale-sweep: steady RSS slope at 2× ConfigMap size vs 1×',
    value: '11 vs 10 MiB per 1,000 objects = 1.1×',
    goal: '≤ 1.25× (grows with the count, not the size)',
    met: true,
  });
  assert.equal(goalOf({ ...sweep, steady_slope_ratio_2x_size: 2 })?.met, false);
  const table = formatTable({ schema: 1, started_at: '', run, machine, 'scale-sweep': sweep } as unknown as BenchResult);
  assert.match(table, /\| scale-sweep +\| 4000 objects, ConfigMaps 20480 B: peak \/ steady RSS \(MiB\) +\| 143 \/ 133 +\|/);
});
