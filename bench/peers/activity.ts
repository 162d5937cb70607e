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
 * WatchListClient), which apiserver_watch_events_total counts as it sends them. Only ConfigMap
 * and Secret events count: nothing else writes those while a controller starts, whereas the
 * deployment controller keeps sending Deployment events after a controller's writes.
 */
export const CONTROLLER_LISTS = /^(configmaps|secrets|(deployments|statefulsets|daemonsets)\.apps|(appconfigs|workloadrecords)\.confighash\.dev|namespaces|(cronjobs|jobs)\.batch)$/;
export const SYNC_WATCH_EVENTS = /^(configmaps|secrets)$/;
export const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'] as const;

export interface Activity {
  writes: number;
  workloadWrites: number;
  lists: number;
  /** ConfigMap and Secret watch events the apiserver sent. */
  syncEvents: number;
}

/**
 * The activity in deltas of apiserver_request_total (keyed "VERB resource", see diffCounts) and
 * apiserver_watch_events_total (keyed by resource[.group]).
 */
export function activityOf(requests: RequestCounts, watchEvents: RequestCounts): Activity {
  let syncEvents = 0;
  for (const [resource, n] of Object.entries(watchEvents)) if (SYNC_WATCH_EVENTS.test(resource)) syncEvents += n;
  return {
    writes: sumVerbs(requests, WRITE_VERBS, CONTROLLER_WRITES),
    workloadWrites: sumVerbs(requests, WRITE_VERBS, WORKLOADS),
    lists: sumVerbs(requests, ['LIST'], CONTROLLER_LISTS),
    syncEvents,
  };
}

/** Only the entries of a delta that count as a controller's writes, e.g. {"PUT deployments.apps": 335}. */
export function controllerWrites(delta: RequestCounts): RequestCounts {
  const out: RequestCounts = {};
  for (const [key, value] of Object.entries(delta)) {
    const [verb = '', resource = ''] = key.split(' ');
    if ((WRITE_VERBS as readonly string[]).includes(verb) && CONTROLLER_WRITES.test(resource)) out[key] = value;
  }
  return out;
}

/**
 * Decides when a controller has settled: its initial sync has begun, and neither its writes
 * nor its sync (LISTs, ConfigMap and Secret watch events) have moved for `quietMs`. The settled
 * time is that of the first observation that saw the last move (so it is late by at most one
 * polling interval). Observations carry the counts since the start.
 */
export class QuietDetector {
  readonly #quietMs: number;
  readonly #startedAt: number;
  #last: Activity = { writes: 0, workloadWrites: 0, lists: 0, syncEvents: 0 };
  #lastChangeAt: number;

  constructor(quietMs: number, startedAt: number) {
    this.#quietMs = quietMs;
    this.#startedAt = startedAt;
    this.#lastChangeAt = startedAt;
  }

  observe(at: number, activity: Activity): void {
    const last = this.#last;
    if (activity.writes !== last.writes || activity.lists !== last.lists || activity.syncEvents !== last.syncEvents) this.#lastChangeAt = at;
    this.#last = activity;
  }

  get latest(): Activity {
    return this.#last;
  }

  /** The time of the last move, once it is `quietMs` old and the initial sync has begun; undefined before. */
  settledAt(now: number): number | undefined {
    if (this.#last.lists === 0 && this.#last.syncEvents === 0) return undefined;
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
