/**
 * Locale-independent string ordering (UTF-16 code units, like `Array.prototype.sort()` without a
 * comparator). `localeCompare` would depend on the machine's ICU data and locale; hashes and
 * statuses must sort the same everywhere.
 *
 * Despite the name, this is not code-point order: the two differ only when one string has a
 * character above U+FFFF where the other has one in U+E000–U+FFFF. It must stay as it is:
 * workloadChecksum hashes its sources in this order (a custom kind's pod template may name a
 * source anything), so another order would change v1 checksums and roll those workloads.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
