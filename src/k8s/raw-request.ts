import { ApiException, HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';
import { apiVerbOf, type ApiVerb } from '../observability/api-verb.ts';

/** Told of every request: its verb, the HTTP status (undefined when no response came) and how long it took. */
export type ApiRequestObserver = (verb: ApiVerb, code: number | undefined, seconds: number) => void;

export interface RawRequest {
  method: 'GET' | 'PATCH';
  /** e.g. /api/v1/configmaps or /apis/apps/v1/namespaces/shop/deployments/web */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON with this content type (e.g. application/json-patch+json). */
  body?: { contentType: string; value: unknown };
}

/**
 * One API request with plain JSON in and out, through client-node's authentication and TLS
 * setup. Lists go through here rather than the typed clients so a page of 500 ConfigMaps is
 * parsed once into plain objects and dropped, instead of being deserialised into model
 * classes the controller would only reduce to digests anyway; workload patches do, so
 * their response is the same JSON the watch delivers, and reduces to the same facts.
 */
export async function requestJson<T>(kubeConfig: KubeConfig, request: RawRequest, signal: AbortSignal, observe?: ApiRequestObserver): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server + request.path);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  const context = new RequestContext(url.toString(), HttpMethod[request.method]);
  await kubeConfig.applySecurityAuthentication(context);
  const verb = apiVerbOf(request.method, url.toString());
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const response = await fetch(url, {
    method: request.method,
    headers: {
      ...context.getHeaders(),
      accept: 'application/json',
      ...(request.body ? { 'content-type': request.body.contentType } : {}),
    },
    ...(request.body ? { body: JSON.stringify(request.body.value) } : {}),
    dispatcher: context.getDispatcher(),
    signal,
  }).catch((err: unknown) => {
    observe?.(verb, undefined, seconds());
    throw err;
  });
  observe?.(verb, response.status, seconds());
  if (!response.ok) {
    // The body is an apiserver Status: safe to keep, it never echoes object data.
    const body = await response.text();
    throw new ApiException(response.status, `${request.method} ${request.path} answered ${response.status}`, safeJson(body), Object.fromEntries(response.headers));
  }
  return (await response.json()) as T;
}

/** GET a collection (or object) as plain JSON. */
export function getJson<T>(
  kubeConfig: KubeConfig,
  path: string,
  query: Record<string, string | number | undefined>,
  signal: AbortSignal,
  observe?: ApiRequestObserver,
): Promise<T> {
  return requestJson<T>(kubeConfig, { method: 'GET', path, query }, signal, observe);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}
