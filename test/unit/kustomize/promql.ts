/**
 * Just enough PromQL reading to check our own alert rules, dashboard and README against
 * createMetrics(): which of our metrics an expression selects, with which label matchers,
 * and which labels it groups or joins by. Not a parser: it relies on our metrics having
 * known prefixes, and on label matchers and groupings being written the usual way.
 */

/** Prefixes of every metric the controller exports (its own and prom-client's defaults). */
const OUR_METRIC = /\b((?:confighash|process|nodejs)_[a-zA-Z0-9_]+)\b(\s*\{([^}]*)\})?/g;
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"/g;

export interface MetricUse {
  /** As written, e.g. confighash_queue_duration_seconds_bucket. */
  name: string;
  /** Label names of its matchers, e.g. ['namespace', 'code']. */
  matcherLabels: string[];
}

export function metricsUsedIn(expr: string): MetricUse[] {
  return [...expr.matchAll(OUR_METRIC)].map((match) => ({
    name: match[1]!,
    matcherLabels: [...(match[3] ?? '').matchAll(MATCHER)].map((matcher) => matcher[1]!),
  }));
}

/** Label names in by (...), without (...), on (...), ignoring (...), group_left/right (...). */
export function groupingLabelsIn(expr: string): string[] {
  return [...expr.matchAll(GROUPING)].flatMap((match) =>
    match[1]!
      .split(',')
      .map((label) => label.trim())
      .filter((label) => label !== ''),
  );
}

/** The series a histogram exposes; `name` itself for anything else. */
export function baseMetricName(name: string): { base: string; suffix?: '_bucket' | '_sum' | '_count' } {
  for (const suffix of ['_bucket', '_sum', '_count'] as const) {
    if (name.endsWith(suffix)) return { base: name.slice(0, -suffix.length), suffix };
  }
  return { base: name };
}
