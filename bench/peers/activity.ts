import { sumVerbs, type RequestCounts } from '../apiserver-metrics.ts';

/**
 * What a reload controller does at the apiserver, told apart from what the control plane does
 * by resource: a reload controller writes workloads themselves (the deployment controller
 * writes only their status subresource and ReplicaSets), ConfigMaps, Secrets and confighash's
 * own resources; kwok and the scheduler write Nodes, Leases, Pods and Events. Events are left
 * out, since the deployment controller sends them too. The bench itself only reads while a
 * controller runs.
 */
export const CONTROLLER_WRITES = /^((deployments|statefulsets|daemonsets)\.apps|configmaps|secrets|(appconfigs|workloadrecords)\.confighash\.dev(\/status)?)$/;
export const WORKLOADS = /^(deployments|statefulsets|daemonsets)\.apps$/;
/**
 * The initial sync is activity too. A client LISTs what it watches (client-node, client-go
 * before 1.35), or opens a WATCH that streams every object first (client-go 1.35 and later,
 * WatchListClient). The apiserver counts a LIST when it is answered
 * (apiserver_request_total) and a watch list when its initial stream ends
 * (apiserver_watch_list_duration_seconds_count).
 */
export const CONTROLLER_LISTS = /^(configmaps|secrets|(deployments|statefulsets|daemonsets)\.apps|(appconfigs|workloadrecords)\.confighash\.dev|namespaces|(cronjobs|jobs)\.batch)$/;
/**
 * While a watch list streams, apiserver_watch_events_total grows by thousands a second. Only
 * ConfigMap and Secret events count (nothing writes those while a controller starts, whereas
 * the deployment controller keeps sending Deployment events after a controller's writes), and
 * only a poll that saw at least this many: the apiserver also sends every watcher a BOOKMARK
 * about once a minute, and those single events are no one's activity.
 */
export const SYNC_WATCH_EVENTS = /^(configmaps|secrets)$/;
export const STREAMING_EVENTS_PER_POLL = 20;
export const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'] as const;

export interface Activity {
  writes: number;
  workloadWrites: number;
  lists: number;
  /** Watch lists whose initial stream ended. */
  watchLists: number;
  /** ConfigMap and Secret watch events the apiserver sent (bookmarks included). */
  syncEvents: number;
}

/** Deltas of the apiserver's counters since a controller started; see ActivitySnapshot. */
export interface ActivityDelta {
  /** apiserver_request_total by "VERB resource[.group][/subresource]" (see diffCounts). */
  requests: RequestCounts;
  /** apiserver_watch_events_total by "resource[.group]". */
  watchEvents: RequestCounts;
  /** apiserver_watch_list_duration_seconds_count by "resource[.group]". */
  watchLists: RequestCounts;
}

function sumResources(counts: RequestCounts, pattern: RegExp): number {
  let total = 0;
  for (const [resource, n] of Object.entries(counts)) if (pattern.test(resource)) total += n;
  return total;
}

export function activityOf(delta: ActivityDelta): Activity {
  return {
    writes: sumVerbs(delta.requests, WRITE_VERBS, CONTROLLER_WRITES),
    workloadWrites: sumVerbs(delta.requests, WRITE_VERBS, WORKLOADS),
    lists: sumVerbs(delta.requests, ['LIST'], CONTROLLER_LISTS),
    watchLists: sumResources(delta.watchLists, CONTROLLER_LISTS),
    syncEvents: sumResources(delta.watchEvents, SYNC_WATCH_EVENTS),
  };
}

/** Only the entries of a delta that count as a controller's writes, e.g. {"PUT deployments.apps": 335}. */
export function controllerWrites(requests: RequestCounts): RequestCounts {
  const out: RequestCounts = {};
  for (const [key, value] of Object.entries(requests)) {
    const [verb = '', resource = ''] = key.split(' ');
    if ((WRITE_VERBS as readonly string[]).includes(verb) && CONTROLLER_WRITES.test(resource)) out[key] = value;
  }
  return out;
}

/**
 * Decides when a controller has settled: its initial sync has begun, and for `quietMs` it
 * has written nothing, finished no LIST or watch list, and streamed no watch list (see
 * STREAMING_EVENTS_PER_POLL). The settled time is that of the first observation that saw the
 * last move (so it is late by at most one polling interval). Observations carry the counts
 * since the start.
 */
export class QuietDetector {
  readonly #quietMs: number;
  readonly #startedAt: number;
  #last: Activity = { writes: 0, workloadWrites: 0, lists: 0, watchLists: 0, syncEvents: 0 };
  #begun = false;
  #lastChangeAt: number;

  constructor(quietMs: number, startedAt: number) {
    this.#quietMs = quietMs;
    this.#startedAt = startedAt;
    this.#lastChangeAt = startedAt;
  }

  observe(at: number, activity: Activity): void {
    const last = this.#last;
    const streaming = activity.syncEvents - last.syncEvents >= STREAMING_EVENTS_PER_POLL;
    if (activity.writes !== last.writes || activity.lists !== last.lists || activity.watchLists !== last.watchLists || streaming) this.#lastChangeAt = at;
    this.#begun ||= activity.lists > 0 || activity.watchLists > 0 || streaming;
    this.#last = activity;
  }

  get latest(): Activity {
    return this.#last;
  }

  /** The time of the last move, once it is `quietMs` old and the initial sync has begun; undefined before. */
  settledAt(now: number): number | undefined {
    if (!this.#begun) return undefined;
    return now - this.#lastChangeAt >= this.#quietMs ? this.#lastChangeAt : undefined;
  }

  /** Seconds from the start to the last move. */
  lastMoveS(): number {
    return Math.round(this.#lastChangeAt - this.#startedAt) / 1000;
  }
}

/** Deployments whose generation went up since `before` (their pod template or spec changed): the rollouts started. */
export function rolledSince(before: ReadonlyMap<string, number>, now: ReadonlyMap<string, { generation: number }>): number {
  let rolled = 0;
  for (const [key, generation] of before) {
    const current = now.get(key);
    if (current && current.generation > generation) rolled += 1;
  }
  return rolled;
}
