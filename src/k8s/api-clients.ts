import { KubeConfig } from '@kubernetes/client-node';
import { requestUncompressed } from './identity-encoding.ts';
import {
  coreCalls,
  customObjectCalls,
  eventCalls,
  leaseCalls,
  type CoreCalls,
  type CustomObjectCalls,
  type EventCalls,
  type LeaseCalls,
} from './json-clients.ts';
import { shareOneDispatcher } from './shared-dispatcher.ts';

/**
 * The API clients the controller uses, built once from one KubeConfig: only the calls in
 * json-clients.ts, typed as client-node's generated APIs type them, so the compiler refuses
 * any other call.
 */
export interface ApiClients {
  kubeConfig: KubeConfig;
  core: CoreCalls;
  customObjects: CustomObjectCalls;
  events: EventCalls;
  coordination: LeaseCalls;
}

/** $KUBECONFIG (or ~/.kube/config) when present, the in-cluster ServiceAccount otherwise. */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return requestUncompressed(shareOneDispatcher(kubeConfig));
}

export function createApiClients(kubeConfig: KubeConfig): ApiClients {
  return {
    kubeConfig,
    core: coreCalls(kubeConfig),
    customObjects: customObjectCalls(kubeConfig),
    events: eventCalls(kubeConfig),
    coordination: leaseCalls(kubeConfig),
  };
}
