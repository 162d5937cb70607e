/** pino's numeric level for `error`; `fatal` is 60. */
export const ERROR_LEVEL = 50;

export interface LogErrors {
  /** pino lines at level `error` or `fatal`. */
  error_lines: number;
  /** Lines that are not pino JSON (a crash's stack trace, a Node warning on stderr): read them. */
  unparsed_lines: number;
  /** The distinct messages of the error lines, with how often each came, most frequent first (at most `keep`). */
  messages: { msg: string; count: number }[];
}

/** Reads a controller log (one pino JSON object per line) for errors. */
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

function parseObject(line: string): { level?: unknown; msg?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
