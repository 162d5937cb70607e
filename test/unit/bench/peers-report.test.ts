import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiserverActivity } from '../../../bench/peers/activity-watch.ts';
import type { PeerBuildInfo } from '../../../bench/peers/build.ts';
import type { PeerNotMeasured } from '../../../bench/peers/phase.ts';
import { comparisonRows, formatFigure, formatPeerComparison, ratio, type ConfighashScale } from '../../../bench/peers/report.ts';
import type { PeerRun } from '../../../bench/peers/run-peer.ts';

function activity(over: Partial<ApiserverActivity>): ApiserverActivity {
  return { settled: true, settled_s: 20, quiet_s: 10, poll_s: 1, cap_s: 600, judged_at_s: 30, cpu_s: 30, writes: 3001, workload_writes: 0, lists: 52, watch_lists: 0, sync_watch_events: 0, writes_by_request: {}, samples: [], ...over };
}

const confighash: ConfighashScale = { peak_rss_mib: 500, steady_rss_mib: 400, apiserver_activity: activity({}), deployments_rolled: 0 };

function build(name: string, version: string): PeerBuildInfo {
  return {
    repository: `github.com/x/${name}`,
    source_dir: `/src/${name}`,
    commit: 'a'.repeat(40),
    version,
    go_version: 'go version go1.26.8 linux/amd64',
    commands: ['go build .'],
    replaces: name === 'Reloader' ? ['a=b@v1'] : [],
    binary: `/cache/${name}`,
    binary_bytes: 1,
    binary_sha256: 'f'.repeat(64),
    build_s: 90,
    built_at: '2026-11-26T00:00:00Z',
    cached: true,
  };
}

function run(title: string, over: Partial<PeerRun>): PeerRun {
  return {
    title,
    build: build(title, 'v1.0.0'),
    command: ['/cache/x'],
    flags: [],
    env: [],
    opt_in: { 'x/auto': 'true' },
    opted_in_deployments: 2000,
    notes: ['defaults'],
    quiet_before_s: 5,
    settled: true,
    settled_s: 4,
    wait_cap_s: 240,
    startup_writes: 0,
    startup_workload_writes: 0,
    deployments_rolled: 0,
    cpu_s_to_settle: 10,
    peak_rss_mib: 100,
    rss_after_settle_mib: 80,
    steady_window_s: 60,
    steady_writes: 0,
    apiserver_activity: activity({ writes: 0 }),
    exit: '0',
    log: '/logs/x.log',
    ...over,
  };
}

const reloader = run('Reloader', {});
const wave = run('Wave', { settled: false, settled_s: null, startup_writes: 335, startup_workload_writes: 335, deployments_rolled: 335, cpu_s_to_settle: 60, peak_rss_mib: 250, rss_after_settle_mib: null, rss_at_cap_mib: 240 });

test('a peer that settled is compared exactly; one stopped at the cap only by bounds', () => {
  const rows = comparisonRows(confighash, [reloader, wave]);
  const byFigure = new Map(rows.map((r) => [r.figure, r]));
  const settled = byFigure.get('settled: last write or sync move at the apiserver (s)');
  assert.deepEqual(settled?.confighash, { n: 20 });
  assert.deepEqual(settled?.peers, [{ n: 4 }, { n: 240, bound: 'more-than' }]);
  assert.deepEqual(byFigure.get('start-up writes to workloads')?.peers, [{ n: 0 }, { n: 335, bound: 'at-least' }]);
  assert.deepEqual(byFigure.get('RSS after settling (MiB)')?.peers, [{ n: 80 }, null]);
  assert.deepEqual(byFigure.get('peak RSS, VmHWM (MiB)')?.peers, [{ n: 100 }, { n: 250, bound: 'at-least' }]);
});

test('ratios are confighash over the peer, and a bound on the peer turns the ratio into a bound', () => {
  assert.equal(ratio({ n: 500 }, { n: 100 }), '5.00×');
  assert.equal(ratio({ n: 500 }, { n: 40 }), '12.5×');
  assert.equal(ratio({ n: 20 }, { n: 240, bound: 'more-than' }), '< 0.083×');
  assert.equal(ratio({ n: 0 }, { n: 335, bound: 'at-least' }), '0×', 'nothing divided by any number of writes');
  assert.equal(ratio({ n: 3001 }, { n: 0 }), 'n/a (÷ 0)');
  assert.equal(ratio({ n: 0 }, { n: 0 }), 'both 0');
  assert.equal(ratio(null, { n: 1 }), '–');
  assert.equal(ratio({ n: 1, bound: 'at-least' }, { n: 1, bound: 'at-least' }), '?');
});

test('figures taken at the cap read as "more than" and "at least"', () => {
  assert.equal(formatFigure({ n: 240, bound: 'more-than' }), '> 240');
  assert.equal(formatFigure({ n: 335, bound: 'at-least' }), '≥ 335');
  assert.equal(formatFigure({ n: 4 }), '4');
  assert.equal(formatFigure(null), '–');
});

test('the table has a column per peer named with its version, ratio columns, and a line on how each ran', () => {
  const table = formatPeerComparison(confighash, { reloader, wave });
  const lines = table.split('\n');
  assert.match(lines[0] ?? '', /\| figure +\| confighash \| Reloader v1\.0\.0 \| Wave v1\.0\.0 \| confighash \/ Reloader \| confighash \/ Wave \|/);
  assert.ok(lines.some((l) => /^\| settled.*\| 20 +\| 4 +\| > 240 +\| 5\.00× +\| < 0\.083× +\|$/.test(l)), table);
  assert.match(table, /- Reloader: github\.com\/x\/Reloader@aaaaaaaaaaaa \(v1\.0\.0\), cached build of 90 s with go1\.26\.8 linux\/amd64; go mod edit -replace a=b@v1; flags: its defaults; 2000 Deployments opted in \(x\/auto\); settled at 4 s/);
  assert.match(table, /- Wave: .*not settled within 240 s \(figures at the cap\)/);
});

test('a peer that was not built is named with its error instead of left out', () => {
  const failed: PeerNotMeasured = { title: 'Wave', build: { source_dir: '/src/wave', error: 'go: module lookup disabled' }, error: 'build failed: `go build ./cmd/manager` exited with 1:\ngo: module lookup disabled' };
  const table = formatPeerComparison(confighash, { reloader, wave: failed });
  assert.match(table, /\| Wave +\|/, 'the column stays');
  assert.match(table, /- Wave: NOT MEASURED: build failed: `go build \.\/cmd\/manager` exited with 1: \[\/src\/wave\]/);
  assert.ok(table.split('\n').find((l) => l.startsWith('| peak RSS'))?.includes('| –'), 'its cells are empty');
});

test('without confighash scale figures the peers are still described', () => {
  assert.match(formatPeerComparison(undefined, { reloader }), /^confighash: no scale figures/);
  assert.equal(formatPeerComparison(confighash, {}), '');
});
