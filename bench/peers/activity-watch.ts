import { diffCounts, parseApiserverMetrics, parseSample, type RequestCounts } from '../apiserver-metrics.ts';
import { sleep } from '../context.ts';
import type { KubeApi } from '../kube/api.ts';
import { readCpuSeconds } from '../rss.ts';
import { round } from '../stats.ts';
import { activityOf, controllerWrites, QuietDetector, type ActivityDelta } from './activity.ts';

/** The apiserver's counters a controller's activity is read from (see ActivityDelta). */
export type ActivitySnapshot = ActivityDelta;

export function parseActivitySnapshot(text: string): ActivitySnapshot {
  const watchEvents: RequestCounts = {};
  const watchLists: RequestCounts = {};
  for (const line of text.split('\n')) {
    const into = line.startsWith('apiserver_watch_events_total{') ? watchEvents : line.startsWith('apiserver_watch_list_duration_seconds_count{') ? watchLists : undefined;
    const sample = into && parseSample(line);
    if (!into || !sample) continue;
    const key = `${sample.labels.resource ?? '?'}${sample.labels.group ? `.${sample.labels.group}` : ''}`;
    into[key] = (into[key] ?? 0) + sample.value;
  }
  return { requests: parseApiserverMetrics(text).requests, watchEvents, watchLists };
}

function diffSnapshots(before: ActivitySnapshot, after: ActivitySnapshot): ActivityDelta {
  return {
    requests: diffCounts(before.requests, after.requests),
    watchEvents: diffCounts(before.watchEvents, after.watchEvents),
    watchLists: diffCounts(before.watchLists, after.watchLists),
  };
}

export async function scrapeActivity(api: KubeApi): Promise<ActivitySnapshot> {
  return parseActivitySnapshot(await api.text('/metrics'));
}

/** A controller's start-up as the apiserver saw it: until it settled, or until the cap. */
export interface ApiserverActivity {
  settled: boolean;
  /** Start → its last write or sync move, confirmed by `quiet_s` without one; null when it did not settle within `cap_s`. */
  settled_s: number | null;
  quiet_s: number;
  poll_s: number;
  cap_s: number;
  /** Start → when it was judged: settled_s + quiet_s (± one poll), or the cap. */
  judged_at_s: number;
  /** utime + stime of the process when it was judged (CPU seconds to settle, or to the cap). */
  cpu_s: number | null;
  /** Start → judged: writes by the controller (see CONTROLLER_WRITES), of them to workloads, LISTs, watch lists ended, ConfigMap/Secret watch events. */
  writes: number;
  workload_writes: number;
  lists: number;
  watch_lists: number;
  sync_watch_events: number;
  writes_by_request: RequestCounts;
  /** Every poll: [seconds since the start, writes, LISTs, watch lists, sync watch events], counted since the start. */
  samples: [number, number, number, number, number][];
}

export interface WatchOptions {
  /** performance.now() at the spawn. */
  startedAt: number;
  /** Scraped just before the spawn. */
  before: ActivitySnapshot;
  pid: number;
  quietMs: number;
  capMs: number;
  pollMs: number;
  /** Rejects early when the process has exited. */
  exited: () => boolean;
}

/** Polls the apiserver's counters until the controller settles or the cap passes. */
export async function watchActivity(api: KubeApi, opts: WatchOptions): Promise<ApiserverActivity> {
  const detector = new QuietDetector(opts.quietMs, opts.startedAt);
  const samples: ApiserverActivity['samples'] = [];
  for (;;) {
    await sleep(opts.pollMs);
    if (opts.exited()) throw new Error('the process exited before it settled');
    const at = performance.now();
    const now = await scrapeActivity(api);
    const delta = diffSnapshots(opts.before, now);
    const seen = activityOf(delta);
    detector.observe(at, seen);
    samples.push([Math.round(at - opts.startedAt) / 1000, seen.writes, seen.lists, seen.watchLists, seen.syncEvents]);
    const settledAt = detector.settledAt(performance.now());
    const capped = performance.now() - opts.startedAt >= opts.capMs;
    if (settledAt === undefined && !capped) continue;
    const activity = detector.latest;
    return {
      settled: settledAt !== undefined,
      settled_s: settledAt !== undefined ? detector.lastMoveS() : null,
      quiet_s: opts.quietMs / 1000,
      poll_s: opts.pollMs / 1000,
      cap_s: opts.capMs / 1000,
      judged_at_s: Math.round(performance.now() - opts.startedAt) / 1000,
      cpu_s: nullableRound(readCpuSeconds(opts.pid)),
      writes: activity.writes,
      workload_writes: activity.workloadWrites,
      lists: activity.lists,
      watch_lists: activity.watchLists,
      sync_watch_events: activity.syncEvents,
      writes_by_request: controllerWrites(delta.requests),
      samples,
    };
  }
}

function nullableRound(n: number | undefined): number | null {
  return n === undefined ? null : round(n);
}

/**
 * Waits until nothing but kwok's heartbeats writes: the previous controller's writes and the
 * deployment controller's rollouts after them are done. Resolves with the seconds it took.
 */
export async function waitForQuietApiserver(api: KubeApi, { quietMs = 5000, pollMs = 1000, timeoutMs = 300_000 } = {}): Promise<number> {
  const started = performance.now();
  const writes = async (): Promise<string> => {
    const { requests } = await scrapeActivity(api);
    const relevant = Object.entries(requests).filter(([key]) => /^(POST|PUT|PATCH|DELETE|APPLY) /.test(key) && !/ (leases\.coordination\.k8s\.io|nodes|nodes\/status)$/.test(key));
    return JSON.stringify(relevant);
  };
  let last = await writes();
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    if (performance.now() - started > timeoutMs) throw new Error(`the apiserver did not go quiet within ${timeoutMs / 1000} s`);
    await sleep(pollMs);
    const next = await writes();
    if (next !== last) {
      last = next;
      since = performance.now();
    }
  }
  return Math.round(performance.now() - started) / 1000;
}
