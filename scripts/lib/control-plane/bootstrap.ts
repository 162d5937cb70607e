import type { ApiAccess } from './api-access.ts';
import { apiCall } from './api-access.ts';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from './components.ts';

export const SIMULATED_NODE_NAME = 'kwok-node-0';

/** A Node that kwok acts as the kubelet for. Untainted, so ordinary pods land on it. */
export async function createSimulatedNode(api: ApiAccess, name = SIMULATED_NODE_NAME): Promise<void> {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
  };
  const res = await apiCall(api, 'POST', '/api/v1/nodes', node);
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`creating Node ${name} answered ${res.status}: ${res.body}`);
  }
}

interface NodeStatus {
  spec?: { taints?: { key: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Ready, and the not-ready taint the node lifecycle controller put on it at creation is gone. */
export async function simulatedNodeIsReady(api: ApiAccess, name = SIMULATED_NODE_NAME): Promise<boolean> {
  const res = await apiCall(api, 'GET', `/api/v1/nodes/${name}`);
  if (res.status !== 200) return false;
  const node = JSON.parse(res.body) as NodeStatus;
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const tainted = node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready') ?? false;
  return ready && !tainted;
}

/** The serviceaccount controller has run: pods can be admitted in `default`. */
export async function defaultServiceAccountExists(api: ApiAccess): Promise<boolean> {
  const res = await apiCall(api, 'GET', '/api/v1/namespaces/default/serviceaccounts/default');
  return res.status === 200;
}
