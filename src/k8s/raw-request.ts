import { ApiException, HttpMethod, RequestContext, type ConfigurationOptions, type KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';

export interface JsonRequest {
  method?: HttpMethod;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Per-call options in the style of client-node's typed APIs (abortableRequest,
   * setHeaderOptions): the `pre` step of each middleware runs on the request. Their `post`
   * step is not run; the middleware this controller passes does nothing there.
   */
  options?: ConfigurationOptions;
  signal?: AbortSignal;
}

/**
 * One JSON request through client-node's authentication and TLS setup (KubeConfig's
 * applySecurityAuthentication and its dispatcher). Every API call of the controller goes
 * through here rather than through the generated typed clients: a page of 500 ConfigMaps is
 * parsed once into plain objects and dropped, instead of being deserialised into model
 * classes, and the generated clients and their 900 models need not be loaded at all
 * (see json-clients.ts). A non-2xx answer throws client-node's ApiException, with the
 * apiserver's Status as the body (it never echoes object data) and the response headers.
 */
export async function requestJson<T>(kubeConfig: KubeConfig, path: string, request: JsonRequest = {}): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const method = request.method ?? HttpMethod.GET;
  const url = new URL(cluster.server + path);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  let context = new RequestContext(url.toString(), method);
  context.setHeaderParam('Accept', 'application/json');
  if (request.body !== undefined) {
    context.setHeaderParam('Content-Type', 'application/json');
    context.setBody(JSON.stringify(request.body));
  }
  if (request.signal) context.setSignal(request.signal);
  for (const middleware of request.options?.middleware ?? []) context = await middleware.pre(context).toPromise();
  await kubeConfig.applySecurityAuthentication(context);
  const body = context.getBody();
  const signal = context.getSignal();
  const response = await fetch(context.getUrl(), {
    method,
    headers: context.getHeaders(),
    ...(typeof body === 'string' ? { body } : {}),
    dispatcher: context.getDispatcher(),
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) {
    const text = await response.text();
    throw new ApiException(response.status, `${method} ${path} answered ${response.status}`, safeJson(text), Object.fromEntries(response.headers));
  }
  return (await response.json()) as T;
}

/** GET a collection (or any object) as plain JSON. */
export function getJson<T>(kubeConfig: KubeConfig, path: string, query: Record<string, string | number | undefined>, signal: AbortSignal): Promise<T> {
  return requestJson<T>(kubeConfig, path, { query, signal });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}
