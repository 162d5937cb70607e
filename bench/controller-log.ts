/** pino's numeric level for `error`; `fatal` is 60. */
export const ERROR_LEVEL = 50;

// Reads a controller log: one pino JSON object per line.

export interface LogErrors {
  /** pino lines at level `error` or `fatal`. */
  error_lines: number;
  /** Lines that are not pino JSON (a crash's stack trace, a Node warning on stderr): read them. */
  unparsed_lines: number;
  /** The distinct messages of the error lines, with how often each came, most frequent first (at most `keep`). */
  messages: { msg: string; count: number }[];
}

/** The error lines of a controller log, and the lines that are not pino JSON. */
export function logErrors(text: string, keep = 5): LogErrors {
  let errorLines = 0;
  let unparsed = 0;
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseObject(line);
    if (!entry) {
      unparsed += 1;
      continue;
    }
    if (typeof entry.level !== 'number' || entry.level < ERROR_LEVEL) continue;
    errorLines += 1;
    const msg = typeof entry.msg === 'string' ? entry.msg : '(no msg)';
    counts.set(msg, (counts.get(msg) ?? 0) + 1);
  }
  const messages = [...counts].map(([msg, count]) => ({ msg, count })).sort((a, b) => b.count - a.count || a.msg.localeCompare(b.msg));
  return { error_lines: errorLines, unparsed_lines: unparsed, messages: messages.slice(0, keep) };
}

/**
 * How often each decision was carried out, keyed "<decision> <reason>" as the reconciler logs
 * them (e.g. "roll ContentChanged", "record TemplateChanged"): what the controller did
 * instead of a rollout, when the rollouts fall short of the ideal.
 */
export function decisionCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const entry = parseObject(line) as { decision?: unknown; reason?: unknown } | undefined;
    if (typeof entry?.decision !== 'string' || typeof entry.reason !== 'string') continue;
    const key = `${entry.decision} ${entry.reason}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function parseObject(line: string): { level?: unknown; msg?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
