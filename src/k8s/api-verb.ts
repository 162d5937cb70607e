/**
 * The Kubernetes verb of an API request, as the apiserver's audit log and RBAC name it:
 * a closed set, so it can label a metric where the path (names, namespaces) never may.
 */
export type ApiVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'other';

/**
 * The verb of `method` on `url` (absolute, or a path with its query). A GET of a
 * collection is a list, of an object a get, with `watch=true` (or under the old
 * `/watch/` prefix) a watch; a DELETE of a collection is a deletecollection.
 */
export function apiVerbOf(method: string, url: string): ApiVerb {
  const { pathname, searchParams } = new URL(url, 'http://apiserver');
  const segments = resourceSegments(pathname);
  const watchPrefix = segments[0] === 'watch';
  const path = watchPrefix ? segments.slice(1) : segments;
  // A resource path is namespaces/<ns>/<resource>[/<name>[/<subresource>]], or <resource>[/<name>...].
  const inNamespace = path[0] === 'namespaces' && path.length > 2 ? path.slice(2) : path;
  const collection = inNamespace.length === 1;
  switch (method.toUpperCase()) {
    case 'GET':
      if (watchPrefix || searchParams.get('watch') === 'true' || searchParams.get('watch') === '1') return 'watch';
      return collection ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return collection ? 'deletecollection' : 'delete';
    default:
      return 'other';
  }
}

/** The path below /api/v1 or /apis/<group>/<version>; empty for other paths (/version, /healthz). */
function resourceSegments(pathname: string): string[] {
  const segments = pathname.split('/').filter((segment) => segment !== '');
  if (segments[0] === 'api') return segments.slice(2);
  if (segments[0] === 'apis') return segments.slice(3);
  return [];
}
