import { kubectl, testCluster, type TestCluster } from './cluster.ts';

/**
 * Requests as kube-apiserver counted them (`apiserver_request_total` on its /metrics, read
 * with the admin kubeconfig): what a test asserts when it claims "no writes", because the
 * controller's own counters only say what the controller believes it sent.
 *
 * A request the authorizer refuses (RBAC: 403 Forbidden) is answered by a filter in front of
 * the handler that counts `apiserver_request_total`, so it never appears there, under any
 * code (measured on kube-apiserver 1.37). Those are counted, without verb or resource, by
 * `authorization_attempts_total`: RBAC finding no rule is result "no-opinion".
 */
export const REQUEST_FAMILY = 'apiserver_request_total';
export const AUTHORIZATION_FAMILY = 'authorization_attempts_total';

/** Label values to match; a label left out matches every value. */
export interface RequestFilter {
  verb?: 'GET' | 'LIST' | 'WATCH' | 'POST' | 'PUT' | 'PATCH' | 'APPLY' | 'DELETE' | 'DELETECOLLECTION';
  group?: string;
  resource?: string;
  /** '' for the object itself (default when a resource is given), e.g. 'status' for its status. */
  subresource?: string;
  /** An exact HTTP status ('403'), or a class ('2xx'). */
  code?: string;
}

export class MissingApiserverMetricError extends Error {
  readonly retryable = false;
  constructor(family: string) {
    super(`kube-apiserver's /metrics has no ${family} family: the counts a test relies on are not there`);
    this.name = 'MissingApiserverMetricError';
  }
}

export interface RequestCounts {
  /** Requests whose labels match `filter`, summed over every matching series. */
  count(filter: RequestFilter): number;
  /** Requests the authorizers refused (denied, or no authorizer allowed them): every 403 Forbidden of RBAC. */
  authorizationDenials(): number;
}

interface Series {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one counter family; throws when the exposition does not declare it. */
function family(text: string, name: string): Series[] {
  if (!text.split('\n').some((line) => line.startsWith(`# TYPE ${name} `))) throw new MissingApiserverMetricError(name);
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const match = /^[a-z_]+\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[1] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] ?? ''] = pair[2] ?? '';
    series.push({ labels, value: Number(match[2]) });
  }
  return series;
}

/**
 * Parses `apiserver_request_total` and `authorization_attempts_total` out of a Prometheus
 * text exposition; throws when either family is absent.
 */
export function parseRequestCounts(text: string): RequestCounts {
  const series = family(text, REQUEST_FAMILY);
  const authorizations = family(text, AUTHORIZATION_FAMILY);
  return {
    authorizationDenials: () => authorizations.filter(({ labels }) => labels.result !== 'allowed').reduce((sum, { value }) => sum + value, 0),
    count(filter) {
      const wanted = { ...(filter.resource !== undefined ? { subresource: '' } : {}), ...filter };
      return series
        .filter(({ labels }) =>
          Object.entries(wanted).every(([name, value]) => {
            const actual = labels[name];
            if (name === 'code' && /^\dxx$/.test(value)) return actual?.[0] === value[0];
            return actual === value;
          }),
        )
        .reduce((sum, { value }) => sum + value, 0);
    },
  };
}

/**
 * The apiserver's request counts now. They start from zero whenever kube-apiserver starts, so
 * compare two readings only when no restart happened between them.
 */
export async function apiserverRequests(cluster: TestCluster = testCluster()): Promise<RequestCounts> {
  const metrics = await kubectl(['get', '--raw', '/metrics'], { cluster });
  return parseRequestCounts(metrics.stdout);
}

/** How many requests matching `filter` the apiserver answered between `before` and `after`. */
export function requestsBetween(before: RequestCounts, after: RequestCounts, filter: RequestFilter): number {
  return after.count(filter) - before.count(filter);
}
