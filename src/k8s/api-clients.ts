import { KubeConfig, type AppsV1Api, type CoordinationV1Api, type CoreV1Api, type CustomObjectsApi, type EventsV1Api } from '@kubernetes/client-node';
import { requestUncompressed } from './identity-encoding.ts';
import { appsCalls, asTypedApi, coreCalls, customObjectCalls, eventCalls, leaseCalls } from './json-clients.ts';
import { shareOneDispatcher } from './shared-dispatcher.ts';

/**
 * The API clients the controller uses, built once from one KubeConfig. They have the types
 * of client-node's generated APIs, but only the calls in json-clients.ts exist.
 */
export interface ApiClients {
  kubeConfig: KubeConfig;
  apps: AppsV1Api;
  core: CoreV1Api;
  customObjects: CustomObjectsApi;
  events: EventsV1Api;
  coordination: CoordinationV1Api;
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
    apps: asTypedApi<AppsV1Api>('AppsV1Api', appsCalls(kubeConfig)),
    core: asTypedApi<CoreV1Api>('CoreV1Api', coreCalls(kubeConfig)),
    customObjects: asTypedApi<CustomObjectsApi>('CustomObjectsApi', customObjectCalls(kubeConfig)),
    events: asTypedApi<EventsV1Api>('EventsV1Api', eventCalls(kubeConfig)),
    coordination: asTypedApi<CoordinationV1Api>('CoordinationV1Api', leaseCalls(kubeConfig)),
  };
}
