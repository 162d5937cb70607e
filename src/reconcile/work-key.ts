import type { WorkloadKind } from '../api/constants.ts';

/** What one reconcile is about: a workload's checksum, or an AppConfig's status. */
export type WorkKey =
  | { readonly type: 'workload'; readonly namespace: string; readonly kind: WorkloadKind; readonly name: string }
  | { readonly type: 'status'; readonly namespace: string; readonly name: string };

/** Queue keys are strings so the queue can de-duplicate them. Names never contain "/". */
export function encodeWorkKey(key: WorkKey): string {
  return key.type === 'workload' ? `workload/${key.namespace}/${key.kind}/${key.name}` : `status/${key.namespace}/${key.name}`;
}

export function decodeWorkKey(encoded: string): WorkKey {
  const parts = encoded.split('/');
  if (parts[0] === 'workload' && parts.length === 4 && parts[2]) {
    return { type: 'workload', namespace: parts[1] ?? '', kind: parts[2], name: parts[3] ?? '' };
  }
  if (parts[0] === 'status' && parts.length === 3) return { type: 'status', namespace: parts[1] ?? '', name: parts[2] ?? '' };
  throw new Error(`not a work key: ${encoded}`);
}
