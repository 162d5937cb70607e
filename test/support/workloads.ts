import type { V1Deployment } from '@kubernetes/client-node';

/** kwok never pulls it; it only has to be a valid image reference. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

export interface DeploymentOptions {
  replicas?: number;
  labels?: Record<string, string>;
  templateAnnotations?: Record<string, string>;
}

/** A minimal Deployment of one pause container, selected by `app: <name>`. */
export function deploymentManifest(name: string, opts: DeploymentOptions = {}): V1Deployment {
  const selector = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { ...selector, ...opts.labels } },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector, ...(opts.templateAnnotations ? { annotations: opts.templateAnnotations } : {}) },
        spec: { containers: [{ name: 'app', image: PAUSE_IMAGE }] },
      },
    },
  };
}
