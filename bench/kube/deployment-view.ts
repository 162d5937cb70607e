import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import type { KubeObject } from './watch.ts';

/** The deployment controller's revision annotation: it goes up by one per new ReplicaSet. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export interface DeploymentObject extends KubeObject {
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: { observedGeneration?: number };
}

/** What the scenarios look at on a Deployment. */
export interface DeploymentView {
  uid: string;
  checksum: string | undefined;
  revision: number;
  generation: number;
  observedGeneration: number;
}

export function deploymentView(d: DeploymentObject): DeploymentView {
  return {
    uid: d.metadata?.uid ?? '',
    checksum: d.spec?.template?.metadata?.annotations?.[CHECKSUM_ANNOTATION],
    revision: Number(d.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
    generation: d.metadata?.generation ?? 0,
    observedGeneration: d.status?.observedGeneration ?? 0,
  };
}
