import pino from 'pino';
import { digestConfigMapContent } from '../../../src/core/checksum.ts';
import type { WorkloadFacts } from '../../../src/core/types.ts';
import { FactStore } from '../../../src/k8s/fact-store.ts';
import { CoverageLookup } from '../../../src/reconcile/coverage-lookup.ts';
import type { AdmissionContext } from '../../../src/webhook/admission-handler.ts';
import { ALL_KNOWN_KINDS } from '../support/workload-kinds.ts';

export const NAMESPACE = 'shop';

/**
 * The controller's memory as the webhook sees it: a real FactStore and CoverageLookup holding
 * the ConfigMap web-config and an AppConfig listing it, after the initial sync.
 */
export function storeWithAppConfig(data: Record<string, string> = { LOG_LEVEL: 'info' }): { store: FactStore; context: AdmissionContext; setConfig(next: Record<string, string>): void } {
  const store = new FactStore();
  const coverage = new CoverageLookup(store);
  store.setSource(NAMESPACE, 'ConfigMap/web-config', digestConfigMapContent({ data }));
  store.setAppConfig({ namespace: NAMESPACE, name: 'web', uid: 'ac-uid', generation: 1, spec: { configMaps: [{ name: 'web-config' }] } });
  store.markSynced();
  let synced = true;
  const context: AdmissionContext = {
    desiredChecksum: (workload: WorkloadFacts) => (synced ? coverage.desiredChecksum(workload, '') : undefined),
    kinds: ALL_KNOWN_KINDS,
    logger: pino({ level: 'silent' }),
  };
  return {
    store,
    context,
    setConfig: (next) => {
      synced = true;
      store.setSource(NAMESPACE, 'ConfigMap/web-config', digestConfigMapContent({ data: next }));
    },
  };
}

/** A Deployment as the apiserver sends it in a review, reading ConfigMap web-config. */
export function deploymentObject(opts: { image?: string; templateAnnotations?: Record<string, string>; annotations?: Record<string, string>; configMap?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NAMESPACE, uid: 'd-uid', generation: 1, labels: { app: 'web' }, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' }, ...(opts.templateAnnotations ? { annotations: opts.templateAnnotations } : {}) },
        spec: { containers: [{ name: 'web', image: opts.image ?? 'web:1', envFrom: [{ configMapRef: { name: opts.configMap ?? 'web-config' } }] }] },
      },
    },
  };
}

export function review(request: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'req-1', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, namespace: NAMESPACE, ...request },
  };
}
