import type { Logger } from 'pino';
import { ControllerError } from '../errors.ts';
import type { EventRecorder } from '../k8s/event-recorder.ts';
import { workloadId, type FactStore } from '../k8s/fact-store.ts';
import { QUICK_CONFLICT_RETRIES } from '../queue/retry-delay.ts';
import { appConfigSubject } from './appconfig-subject.ts';
import type { CoverageLookup } from './coverage-lookup.ts';
import type { FailureLog } from './failure-log.ts';
import { decodeWorkKey } from './work-key.ts';

export interface FailureReporterDeps {
  store: FactStore;
  coverage: CoverageLookup;
  failures: FailureLog;
  events: EventRecorder;
  logger: Logger;
  refreshStatus: (namespace: string, name: string) => void;
}

/**
 * What the work queue's failure callbacks do. Every failure is retried by the queue; here it
 * becomes visible: a log line each time, one Warning Event per failure streak (not per retry),
 * and, for a workload, a `ReconcileFailed` condition on the AppConfigs covering it, which
 * goes away with the first success. A 404 of a workload just deleted is expected: a debug line.
 * So is a conflict (another writer changed the object first) while the queue still retries it
 * at once: losing such a race is how optimistic concurrency works, and the re-read almost
 * always wins it. Only a conflict that outlasts the quick retries starts a reported streak.
 */
export function failureReporter(deps: FailureReporterDeps): {
  onFailure: (key: string, error: unknown, delayMs: number, attempt: number) => void;
  onRecovered: (key: string, attempts: number) => void;
} {
  return {
    onFailure(encoded, error, delayMs, attempt) {
      const err = error instanceof ControllerError ? error : undefined;
      const message = error instanceof Error ? error.message : String(error);
      const fields = { key: encoded, err: message, statusCode: err?.statusCode, retry: err?.retry, delayMs, attempt };
      const quickConflictRetry = err?.retry === 'conflict' && attempt <= QUICK_CONFLICT_RETRIES;
      if (err?.expected || quickConflictRetry) {
        deps.logger.debug(fields, 'reconcile failed as expected; retrying');
        return;
      }
      deps.logger.warn(fields, 'reconcile failed; retrying with backoff');
      const key = decodeWorkKey(encoded);
      if (key.type === 'status') {
        const appConfig = deps.store.appConfig(key.namespace, key.name);
        if (appConfig && attempt === 1) {
          deps.events.record({ regarding: appConfigSubject(appConfig), type: 'Warning', reason: 'StatusWriteFailed', action: 'Reconcile', note: message });
        }
        return;
      }
      const workload = deps.store.workload(key.namespace, workloadId(key.kind, key.name));
      if (!workload) return;
      // The first reported failure, which need not be attempt 1: quick conflict retries come first.
      const streakStarts = deps.failures.get(key.namespace, key.kind, key.name) === undefined;
      deps.failures.set(key.namespace, { kind: key.kind, name: key.name, message, ...(err?.statusCode ? { statusCode: err.statusCode } : {}) });
      if (streakStarts) {
        const regarding = { apiVersion: workload.apiVersion, kind: workload.kind, namespace: workload.namespace, name: workload.name, uid: workload.uid };
        deps.events.record({ regarding, type: 'Warning', reason: 'ReconcileFailed', action: 'Reconcile', note: message });
      }
      for (const appConfig of deps.coverage.coveringAppConfigs(workload)) deps.refreshStatus(key.namespace, appConfig.name);
    },
    onRecovered(encoded, attempts) {
      const key = decodeWorkKey(encoded);
      deps.logger.info({ key: encoded, attempts }, 'reconcile succeeded after failures');
      if (key.type !== 'workload' || !deps.failures.clear(key.namespace, key.kind, key.name)) return;
      const workload = deps.store.workload(key.namespace, workloadId(key.kind, key.name));
      for (const appConfig of workload ? deps.coverage.coveringAppConfigs(workload) : []) deps.refreshStatus(key.namespace, appConfig.name);
    },
  };
}
