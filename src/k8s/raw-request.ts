import { ApiException, HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';

/**
 * GET a collection as plain JSON through client-node's authentication and TLS setup.
 * Lists go through here rather than the typed clients so a page of 500 ConfigMaps is
 * parsed once into plain objects and dropped, instead of being deserialised into
 * model classes the controller would only reduce to digests anyway.
 */
export async function getJson<T>(
  kubeConfig: KubeConfig,
  path: string,
  query: Record<string, string | number | undefined>,
  signal: AbortSignal,
): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server + path);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  const context = new RequestContext(url.toString(), HttpMethod.GET);
  await kubeConfig.applySecurityAuthentication(context);
  const response = await fetch(url, {
    method: 'GET',
    headers: { ...context.getHeaders(), accept: 'application/json' },
    dispatcher: context.getDispatcher(),
    signal,
  });
  if (!response.ok) {
    // The body is an apiserver Status: safe to keep, it never echoes object data.
    const body = await response.text();
    throw new ApiException(response.status, `GET ${path} answered ${response.status}`, safeJson(body), Object.fromEntries(response.headers));
  }
  return (await response.json()) as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}
