import type { ApiserverActivity } from './activity-watch.ts';
import { PEER_NAMES } from './catalogue.ts';
import { measured, type PeerResult, type PeersResult } from './phase.ts';
import type { PeerRun } from './run-peer.ts';

/**
 * A measured figure. `bound` marks a figure taken at the wait cap, before the controller
 * settled: the settled time is more than it, counts and peaks are at least it.
 */
export type Figure = { n: number; bound?: 'more-than' | 'at-least' } | null;

/** What the comparison needs of the scale scenario's confighash run. */
export interface ConfighashScale {
  peak_rss_mib: number;
  steady_rss_mib: number;
  apiserver_activity?: ApiserverActivity;
  deployments_rolled?: number;
}

export interface ComparisonRow {
  figure: string;
  confighash: Figure;
  peers: Figure[];
}

const exact = (n: number | null | undefined): Figure => (n === null || n === undefined ? null : { n });
const capped = (run: PeerRun, n: number | null, bound: 'more-than' | 'at-least' = 'at-least'): Figure => (n === null ? null : run.settled ? { n } : { n, bound });

/** The rows of the side-by-side table, one column per measured or unmeasured peer. */
export function comparisonRows(confighash: ConfighashScale, peers: (PeerResult | undefined)[]): ComparisonRow[] {
  const a = confighash.apiserver_activity;
  const row = (figure: string, mine: Figure, theirs: (run: PeerRun) => Figure): ComparisonRow => ({
    figure,
    confighash: mine,
    peers: peers.map((p) => (measured(p) ? theirs(p) : null)),
  });
  return [
    row('peak RSS, VmHWM (MiB)', exact(confighash.peak_rss_mib), (r) => capped(r, r.peak_rss_mib)),
    row('RSS after settling (MiB)', exact(confighash.steady_rss_mib), (r) => exact(r.rss_after_settle_mib)),
    row('settled: last write or sync move at the apiserver (s)', exact(a?.settled_s), (r) => (r.settled ? exact(r.settled_s) : { n: r.wait_cap_s, bound: 'more-than' })),
    row('CPU seconds to settle', exact(a?.cpu_s), (r) => capped(r, r.cpu_s_to_settle)),
    row('start-up writes (all kinds)', exact(a?.writes), (r) => capped(r, r.startup_writes)),
    row('start-up writes to workloads', exact(a?.workload_writes), (r) => capped(r, r.startup_workload_writes)),
    row('Deployments rolled at start-up', exact(confighash.deployments_rolled), (r) => capped(r, r.deployments_rolled)),
  ];
}

export function formatFigure(figure: Figure): string {
  if (figure === null) return '–';
  if (figure.bound === 'more-than') return `> ${figure.n}`;
  if (figure.bound === 'at-least') return `≥ ${figure.n}`;
  return String(figure.n);
}

function formatRatio(r: number): string {
  if (r >= 10) return r.toFixed(1);
  if (r >= 0.1) return r.toFixed(2);
  return r.toPrecision(2);
}

/**
 * confighash ÷ peer. A peer figure that is a lower bound makes the ratio an upper bound
 * (and the other way round); a zero peer figure has no ratio.
 */
export function ratio(mine: Figure, theirs: Figure): string {
  if (mine === null || theirs === null) return '–';
  if (theirs.n === 0) return mine.n === 0 ? 'both 0' : 'n/a (÷ 0)';
  if (mine.n === 0 && !mine.bound) return '0×';
  if (mine.bound && theirs.bound) return '?';
  const value = `${formatRatio(mine.n / theirs.n)}×`;
  if (theirs.bound === 'more-than') return `< ${value}`;
  if (theirs.bound === 'at-least') return `≤ ${value}`;
  if (mine.bound === 'more-than') return `> ${value}`;
  if (mine.bound === 'at-least') return `≥ ${value}`;
  return value;
}

/** "Reloader v1.4.21" from what the build recorded. */
function columnName(result: PeerResult): string {
  const version = 'version' in result.build ? result.build.version : undefined;
  return version && version !== 'untagged' ? `${result.title} ${version}` : result.title;
}

/** The side-by-side table (markdown), with ratios, and a line per peer on what it is and how it ran. */
export function formatPeerComparison(confighash: ConfighashScale | undefined, peers: PeersResult): string {
  const results = PEER_NAMES.map((name) => peers[name]).filter((r): r is PeerResult => r !== undefined);
  if (results.length === 0) return '';
  const out: string[] = [];
  if (confighash) {
    const rows = comparisonRows(confighash, results);
    const header = ['figure', 'confighash', ...results.map(columnName), ...results.map((r) => `confighash / ${r.title}`)];
    const cells = rows.map((row) => [row.figure, formatFigure(row.confighash), ...row.peers.map(formatFigure), ...row.peers.map((p) => ratio(row.confighash, p))]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
    const line = (c: string[]): string => `| ${c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
    out.push(line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line));
  } else {
    out.push('confighash: no scale figures to compare with (the scale scenario failed or did not run)');
  }
  for (const result of results) out.push(describePeer(result));
  return out.join('\n');
}

function describePeer(result: PeerResult): string {
  const build = result.build;
  const what = 'binary' in build
    ? `${build.repository}@${build.commit.slice(0, 12)} (${build.version}), ${build.cached ? `cached build of ${build.build_s} s` : `built in ${build.build_s} s`} with ${build.go_version.replace(/^go version /, '')}${build.replaces.length > 0 ? `; go mod edit -replace ${build.replaces.join(' ')}` : ''}`
    : `${build.source_dir}${build.commit ? `@${build.commit.slice(0, 12)}` : ''}`;
  if (!measured(result)) return `- ${result.title}: NOT MEASURED: ${result.error.split('\n')[0] ?? ''} [${what}]`;
  const flags = result.flags.length > 0 ? result.flags.join(' ') : 'its defaults';
  const settle = result.settled ? `settled at ${result.settled_s} s` : `not settled within ${result.wait_cap_s} s (figures at the cap)`;
  return `- ${result.title}: ${what}; flags: ${flags}; ${result.opted_in_deployments} Deployments opted in (${Object.keys(result.opt_in).join(', ')}); ${settle}; ${result.notes.join('; ')}`;
}
