import { AppsV1Api, CoreV1Api, CoordinationV1Api, CustomObjectsApi, EventsV1Api, KubeConfig } from '@kubernetes/client-node';
import { requestUncompressed } from './identity-encoding.ts';
import { shareOneDispatcher } from './shared-dispatcher.ts';

/** The typed clients the controller uses, built once from one KubeConfig. */
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
    apps: kubeConfig.makeApiClient(AppsV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
    events: kubeConfig.makeApiClient(EventsV1Api),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
  };
}
