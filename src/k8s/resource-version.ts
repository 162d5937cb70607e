/**
 * Whether resourceVersion `a` is older than `b`. Kubernetes 1.35 made resource versions of
 * one resource comparable as decimal integers (KEP-5504); anything else compares as "not
 * older", so an unknown format never hides an update.
 */
export function isOlderResourceVersion(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !DECIMAL.test(a) || !DECIMAL.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

const DECIMAL = /^[1-9][0-9]*$/;
