import { API_GROUP, APPCONFIG_PLURAL, RECORD_PLURAL } from '../src/api/constants.ts';
import type { KubeApi } from './kube/api.ts';

/** Counts keyed like "LIST configmaps" or "PATCH appconfigs.confighash.dev/status". */
export type RequestCounts = Record<string, number>;

export interface ApiserverSnapshot {
  /** apiserver_request_total summed over codes, scopes and versions (a WATCH counts when it ends). */
  requests: RequestCounts;
  /** apiserver_longrunning_requests: open WATCHes (and other long requests) right now. */
  longRunning: RequestCounts;
  /** apiserver_flowcontrol_dispatched_requests_total by flow schema: who sent them, roughly. */
  byFlowSchema: RequestCounts;
}

/** Reads the apiserver's own counters through /metrics (admin only). */
export async function scrapeApiserver(api: KubeApi): Promise<ApiserverSnapshot> {
  return parseApiserverMetrics(await api.text('/metrics'));
}

export function parseApiserverMetrics(text: string): ApiserverSnapshot {
  const snapshot: ApiserverSnapshot = { requests: {}, longRunning: {}, byFlowSchema: {} };
  for (const line of text.split('\n')) {
    const sample = parseSample(line);
    if (!sample) continue;
    const { name, labels, value } = sample;
    if (name === 'apiserver_request_total') add(snapshot.requests, requestKey(labels), value);
    else if (name === 'apiserver_longrunning_requests') add(snapshot.longRunning, requestKey(labels), value);
    else if (name === 'apiserver_flowcontrol_dispatched_requests_total') add(snapshot.byFlowSchema, labels.flow_schema ?? '', value);
  }
  return snapshot;
}

/** after − before, leaving out keys that did not change, sorted by key. */
export function diffCounts(before: RequestCounts, after: RequestCounts): RequestCounts {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const diff: RequestCounts = {};
  for (const key of [...keys].sort()) {
    const delta = (after[key] ?? 0) - (before[key] ?? 0);
    if (delta !== 0) diff[key] = delta;
  }
  return diff;
}

/** Sum of the counts whose key starts with one of the verbs, e.g. ['LIST'] or ['POST', 'PATCH']. */
export function sumVerbs(counts: RequestCounts, verbs: readonly string[], resourcePattern?: RegExp): number {
  let total = 0;
  for (const [key, value] of Object.entries(counts)) {
    const [verb = '', resource = ''] = key.split(' ');
    if (verbs.includes(verb) && (!resourcePattern || resourcePattern.test(resource))) total += value;
  }
  return total;
}

/** PATCHes to workloads themselves (not their status): what can roll pods. */
export function workloadPatches(counts: RequestCounts): number {
  return sumVerbs(counts, ['PATCH'], /^((deployments|statefulsets|daemonsets)\.apps|cronjobs\.batch)$/);
}

const escapedGroup = API_GROUP.replaceAll('.', '\\.');
const RECORDS = new RegExp(`^${RECORD_PLURAL}\\.${escapedGroup}$`);

/**
 * Creates (POST, adoption) and replaces (PUT, after a rollout) of WorkloadRecords, and any
 * PATCH, should one appear. Not DELETE: the garbage collector deletes a workload's record.
 */
export function recordWrites(counts: RequestCounts): number {
  return sumVerbs(counts, ['POST', 'PUT', 'PATCH'], RECORDS);
}

/**
 * Writes by what they touch, as the soak reports them: template PATCHes to Deployments (the
 * rollouts), WorkloadRecord writes, AppConfig status PATCHes, and events.k8s.io Events
 * created (POST) or added to a series (PATCH). Counted by the apiserver, so from every client:
 * the deployment controller writes Deployments with PUT and the status subresource, which
 * are not counted here.
 */
export interface WritesByResource {
  deployments: number;
  workloadrecords: number;
  appconfig_status: number;
  events: number;
}

export function writesByResource(counts: RequestCounts): WritesByResource {
  return {
    deployments: sumVerbs(counts, ['PATCH'], /^deployments\.apps$/),
    workloadrecords: recordWrites(counts),
    appconfig_status: sumVerbs(counts, ['PATCH'], new RegExp(`^${APPCONFIG_PLURAL}\\.${escapedGroup}/status$`)),
    events: sumVerbs(counts, ['POST', 'PATCH'], /^events\.events\.k8s\.io$/),
  };
}

/** Each count divided by the number of content changes (3 decimals); null without any change. */
export function perChange(writes: WritesByResource, changes: number): Record<keyof WritesByResource, number | null> {
  const ratio = (n: number): number | null => (changes > 0 ? Math.round((n / changes) * 1000) / 1000 : null);
  return { deployments: ratio(writes.deployments), workloadrecords: ratio(writes.workloadrecords), appconfig_status: ratio(writes.appconfig_status), events: ratio(writes.events) };
}

function requestKey(labels: Record<string, string>): string {
  const group = labels.group ? `.${labels.group}` : '';
  const sub = labels.subresource ? `/${labels.subresource}` : '';
  return `${labels.verb ?? '?'} ${labels.resource ?? '?'}${group}${sub}`;
}

function add(counts: RequestCounts, key: string, value: number): void {
  counts[key] = (counts[key] ?? 0) + value;
}

export function parseSample(line: string): { name: string; labels: Record<string, string>; value: number } | undefined {
  if (line.startsWith('#') || line.trim() === '') return undefined;
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
  if (!match) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[pair[1] ?? ''] = pair[2] ?? '';
  }
  return { name: match[1] ?? '', labels, value: Number(match[3]) };
}
