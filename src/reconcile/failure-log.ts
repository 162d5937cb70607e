import type { WorkloadKind } from '../api/constants.ts';

/** A workload whose reconcile keeps failing: what the AppConfig status reports until it recovers. */
export interface ReconcileFailure {
  readonly kind: WorkloadKind;
  readonly name: string;
  /** The error's message: names the action and the HTTP status, never a response body. */
  readonly message: string;
  readonly statusCode?: number;
}

/**
 * The workloads in a failure streak right now, by namespace. The queue retries each of them
 * with capped backoff; this log is what lets status say so instead of "InSync", and it
 * forgets a workload as soon as one reconcile succeeds.
 */
export class FailureLog {
  readonly #failures = new Map<string, Map<string, ReconcileFailure>>();

  set(namespace: string, failure: ReconcileFailure): void {
    let inNamespace = this.#failures.get(namespace);
    if (!inNamespace) this.#failures.set(namespace, (inNamespace = new Map()));
    inNamespace.set(`${failure.kind}/${failure.name}`, failure);
  }

  /** Returns whether the workload was failing. */
  clear(namespace: string, kind: WorkloadKind, name: string): boolean {
    const inNamespace = this.#failures.get(namespace);
    const had = inNamespace?.delete(`${kind}/${name}`) ?? false;
    if (inNamespace?.size === 0) this.#failures.delete(namespace);
    return had;
  }

  get(namespace: string, kind: WorkloadKind, name: string): ReconcileFailure | undefined {
    return this.#failures.get(namespace)?.get(`${kind}/${name}`);
  }
}
