const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** One or more `<number><unit>` parts, Go style: 500ms, 2s, 1m30s, 1.5h. */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * Parses a duration such as `0`, `500ms`, `2s` or `1m30s` into whole
 * milliseconds. A bare number other than 0 is rejected: `500` could mean
 * milliseconds or seconds, and guessing wrong is worse than asking.
 * Returns undefined for anything that is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (/^0+$/.test(value)) return 0;
  if (!DURATION.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Formats milliseconds the way parseDuration reads them (for usage text and logs). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
