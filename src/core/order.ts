/**
 * Locale-independent string ordering (UTF-16 code units, like `Array.prototype.sort()` without a
 * comparator). `localeCompare` would depend on the machine's ICU data and locale; hashes and
 * statuses must sort the same everywhere.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
