import {
  HttpMethod,
  type ConfigurationOptions,
  type CoordinationV1Api,
  type CoreV1Api,
  type CustomObjectsApi,
  type EventsV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import { requestJson } from './raw-request.ts';

/*
 * The calls of client-node's typed APIs that the controller makes, with their exact
 * signatures, each one a JSON request through raw-request.ts. The generated clients would
 * load all 70 API groups and 900 model classes to make these ten calls (about 30 MiB;
 * BENCHMARKS.md). The controller's code takes these Pick types, so a call that is not here
 * does not compile. (Workload patches and LISTs go through raw-request.ts directly.)
 */

export type CoreCalls = Pick<CoreV1Api, 'readNamespacedSecret' | 'createNamespacedSecret'>;
export type CustomObjectCalls = Pick<CustomObjectsApi, 'createNamespacedCustomObject' | 'replaceNamespacedCustomObject' | 'patchNamespacedCustomObjectStatus'>;
export type EventCalls = Pick<EventsV1Api, 'createNamespacedEvent' | 'patchNamespacedEvent'>;
export type LeaseCalls = Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;

/** Parameters that name the object go into the path, `body` is the body, and the rest (dryRun, fieldManager, ...) the query, as in the generated clients. */
interface Param {
  namespace: string;
  name?: string;
  body?: unknown;
}
type Path = (param: Param) => string;
const PATH_PARAMS = new Set(['namespace', 'name', 'group', 'version', 'plural', 'body']);

function caller(kubeConfig: KubeConfig) {
  return <T>(method: HttpMethod, path: Path) =>
    (param: Param, options?: ConfigurationOptions): Promise<T> => {
      const query: Record<string, string | number | boolean> = {};
      for (const [key, value] of Object.entries(param)) {
        if (!PATH_PARAMS.has(key) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) query[key] = value;
      }
      return requestJson<T>(kubeConfig, path(param), { method, query, body: param.body, ...(options ? { options } : {}) });
    };
}

const segment = (value: unknown): string => encodeURIComponent(String(value));
const collection = (prefix: string, plural: string): Path => (param) => `${prefix}/namespaces/${segment(param.namespace)}/${plural}`;
const customObjects: Path = (param) => {
  const { group, version, plural } = param as Param & { group: string; version: string; plural: string };
  return `/apis/${segment(group)}/${segment(version)}/namespaces/${segment(param.namespace)}/${segment(plural)}`;
};
const named = (path: Path, subresource = ''): Path => (param) => `${path(param)}/${segment(param.name)}${subresource}`;

export function coreCalls(kubeConfig: KubeConfig): CoreCalls {
  const call = caller(kubeConfig);
  return {
    readNamespacedSecret: call(HttpMethod.GET, named(collection('/api/v1', 'secrets'))),
    createNamespacedSecret: call(HttpMethod.POST, collection('/api/v1', 'secrets')),
  };
}

export function customObjectCalls(kubeConfig: KubeConfig): CustomObjectCalls {
  const call = caller(kubeConfig);
  return {
    createNamespacedCustomObject: call(HttpMethod.POST, customObjects),
    replaceNamespacedCustomObject: call(HttpMethod.PUT, named(customObjects)),
    patchNamespacedCustomObjectStatus: call(HttpMethod.PATCH, named(customObjects, '/status')),
  };
}

export function eventCalls(kubeConfig: KubeConfig): EventCalls {
  const call = caller(kubeConfig);
  return {
    createNamespacedEvent: call(HttpMethod.POST, collection('/apis/events.k8s.io/v1', 'events')),
    patchNamespacedEvent: call(HttpMethod.PATCH, named(collection('/apis/events.k8s.io/v1', 'events'))),
  };
}

export function leaseCalls(kubeConfig: KubeConfig): LeaseCalls {
  const call = caller(kubeConfig);
  return {
    readNamespacedLease: call(HttpMethod.GET, named(collection('/apis/coordination.k8s.io/v1', 'leases'))),
    createNamespacedLease: call(HttpMethod.POST, collection('/apis/coordination.k8s.io/v1', 'leases')),
    replaceNamespacedLease: call(HttpMethod.PUT, named(collection('/apis/coordination.k8s.io/v1', 'leases'))),
  };
}

