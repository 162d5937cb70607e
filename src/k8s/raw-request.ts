import { ApiException, HttpMethod, RequestContext, ResponseContext, type ConfigurationOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Operation } from 'fast-json-patch';
import { fetch } from 'undici';
import { FIELD_MANAGER } from '../api/constants.ts';
import { apiVerbOf, type ApiVerb } from './api-verb.ts';

/** Told of every request: its verb, the HTTP status (undefined when no response came) and how long it took. */
export type ApiRequestObserver = (verb: ApiVerb, code: number | undefined, seconds: number) => void;

export interface JsonRequest {
  method?: HttpMethod;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** The body's content type when it is not plain JSON, e.g. application/json-patch+json. */
  contentType?: string;
  /**
   * Per-call options in the style of client-node's typed APIs (abortableRequest,
   * setHeaderOptions): the `pre` step of each middleware runs on the request, and the
   * `post` step on the response.
   */
  options?: ConfigurationOptions;
  signal?: AbortSignal;
  /** Told of this request, including one that got no response. */
  observe?: ApiRequestObserver;
}

/**
 * One JSON request through client-node's authentication and TLS setup (KubeConfig's
 * applySecurityAuthentication and its dispatcher). Every API call of the controller goes
 * through here rather than through the generated typed clients:
 * - a page of 500 ConfigMaps is parsed once into plain objects and dropped, instead of being
 *   deserialised into model classes the controller would only reduce to digests;
 * - a workload PATCH answers the same JSON a watch event carries, so both reduce to the
 *   same facts;
 * - the generated clients and their 900 models need not be loaded at all (json-clients.ts).
 * A non-2xx answer throws client-node's ApiException, with the apiserver's Status as the
 * body (it never echoes object data) and the response headers.
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
    context.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
    context.setBody(JSON.stringify(request.body));
  }
  if (request.signal) context.setSignal(request.signal);
  const middleware = request.options?.middleware ?? [];
  for (const step of middleware) context = await step.pre(context).toPromise();
  await kubeConfig.applySecurityAuthentication(context);
  const body = context.getBody();
  const signal = context.getSignal();
  const verb: ApiVerb = apiVerbOf(method, url.toString());
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const response = await fetch(context.getUrl(), {
    method,
    headers: context.getHeaders(),
    ...(typeof body === 'string' ? { body } : {}),
    dispatcher: context.getDispatcher(),
    ...(signal ? { signal } : {}),
  }).catch((err: unknown) => {
    request.observe?.(verb, undefined, seconds());
    throw err;
  });
  const text = await response.text();
  request.observe?.(verb, response.status, seconds());
  let answered = new ResponseContext(response.status, Object.fromEntries(response.headers), {
    text: () => Promise.resolve(text),
    binary: () => Promise.resolve(Buffer.from(text)),
    stream: () => null,
  });
  for (const step of middleware) answered = await step.post(answered).toPromise();
  if (!response.ok) {
    throw new ApiException(response.status, `${method} ${path} answered ${response.status}`, safeJson(text), Object.fromEntries(response.headers));
  }
  return JSON.parse(text) as T;
}

/** A JSON Patch (RFC 6902) as field manager `confighash`; answers the object as stored, as plain JSON. */
export function jsonPatchAsConfighash<T>(kubeConfig: KubeConfig, path: string, ops: readonly Operation[], signal: AbortSignal, observe?: ApiRequestObserver): Promise<T> {
  return requestJson<T>(kubeConfig, path, {
    method: HttpMethod.PATCH,
    query: { fieldManager: FIELD_MANAGER },
    body: ops,
    contentType: 'application/json-patch+json',
    signal,
    ...(observe ? { observe } : {}),
  });
}

/** GET a collection (or any object) as plain JSON. */
export function getJson<T>(
  kubeConfig: KubeConfig,
  path: string,
  query: Record<string, string | number | undefined>,
  signal: AbortSignal,
  observe?: ApiRequestObserver,
): Promise<T> {
  return requestJson<T>(kubeConfig, path, { query, signal, ...(observe ? { observe } : {}) });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}
