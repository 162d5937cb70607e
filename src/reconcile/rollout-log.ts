import type { WorkloadKind } from '../api/constants.ts';
import type { SourceId } from '../core/types.ts';

/**
 * What this process has seen happen to workloads: when it last rolled each one (for
 * status.targets[].lastRolloutTime) and each workload's source checksums at its last
 * reconcile (to name the source that changed in Events). Memory only; after a restart
 * the AppConfig status is the record.
 */
export class RolloutLog {
  readonly #rolledAt = new Map<string, string>();
  readonly #sources = new Map<string, ReadonlyMap<SourceId, string>>();

  record(namespace: string, kind: WorkloadKind, name: string, time: string): void {
    this.#rolledAt.set(key(namespace, kind, name), time);
  }

  lastRollout(namespace: string, kind: WorkloadKind, name: string): string | undefined {
    return this.#rolledAt.get(key(namespace, kind, name));
  }

  rememberSources(namespace: string, kind: WorkloadKind, name: string, checksums: ReadonlyMap<SourceId, string>): void {
    this.#sources.set(key(namespace, kind, name), checksums);
  }

  /** The checksums remembered at the workload's last reconcile (undefined before the first). */
  sourcesSeen(namespace: string, kind: WorkloadKind, name: string): ReadonlyMap<SourceId, string> | undefined {
    return this.#sources.get(key(namespace, kind, name));
  }

  forget(namespace: string, kind: WorkloadKind, name: string): void {
    this.#rolledAt.delete(key(namespace, kind, name));
    this.#sources.delete(key(namespace, kind, name));
  }
}

function key(namespace: string, kind: WorkloadKind, name: string): string {
  return `${namespace}/${kind}/${name}`;
}
