import { apiStatusCodeOf, classifyApiError } from '../errors.ts';

/** One API call the controller must be able to make before it can be ready. */
export interface StartUpCall {
  verb: 'get' | 'create' | 'list' | 'watch';
  /** Plural resource, e.g. "configmaps". */
  resource: string;
  /** API group; "" for the core group. */
  group: string;
  version: string;
  /** Undefined: across all namespaces. */
  namespace?: string;
  /** The RBAC objects of the manifests that grant this call, e.g. "the ClusterRole confighash (kustomize/base)". */
  grantedBy: string;
  /** Set for collections that a CRD of confighash serves: the CRD's kind, e.g. "AppConfig". */
  crdKind?: string;
  /** Set for the controller's own namespace: what it holds, and the flag that names it. */
  ownNamespace?: { holds: string; flag: string };
}

/** One key per call, for keeping one problem per call. */
export function startUpCallKey(call: StartUpCall): string {
  return `${call.verb} ${resourceName(call)} ${where(call)}`;
}

/**
 * What a failed start-up call means. `exit`: a person must fix something (exit 2, the fix is
 * in the message). `wait`: it may come right by itself or be fixed while the controller runs
 * (not ready, retried with capped backoff, recovered without a restart).
 */
export type StartUpProblem = { action: 'exit' | 'wait'; message: string };

/** Socket errors that say the server's certificate is not trusted (Node's TLS error codes). */
const UNTRUSTED_CERTIFICATE = /^(CERT_|UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_|HOSTNAME_MISMATCH|ERR_SSL_)/;

/**
 * Turns a failure of `call` into one sentence that names what is wrong and the fix, and
 * into exit-or-wait. Decides by status codes, Status `details` and socket error codes,
 * never by message text; messages never carry response bodies.
 */
export function startUpProblem(call: StartUpCall, error: unknown, server: string): StartUpProblem {
  const status = httpStatusOf(error);
  if (status === undefined) return unanswered(error, server);
  if (status === 401) {
    return wait(
      `the apiserver at ${server} does not accept confighash's credentials (HTTP 401): ` +
        'check the token or client certificate in the kubeconfig, or the mounted ServiceAccount token',
    );
  }
  if (status === 403) {
    // The Role lives in that namespace: when the namespace is missing, so is the Role, and RBAC answers first.
    const missingNamespace = call.ownNamespace ? ` (if namespace "${call.namespace ?? ''}" does not exist, create it or set ${call.ownNamespace.flag})` : '';
    return wait(
      `confighash may not ${call.verb} ${resourceName(call)} ${where(call)} (HTTP 403): ` +
        `grant it in ${call.grantedBy}, bound to confighash's ServiceAccount${missingNamespace}; retrying until it is granted`,
    );
  }
  if (status === 404 && call.verb === 'create' && call.ownNamespace && detailsKindOf(error) === 'namespaces') {
    const namespace = call.namespace ?? '';
    return {
      action: 'exit',
      message:
        `namespace "${namespace}" does not exist; it holds ${call.ownNamespace.holds}: ` +
        `create it (kubectl create namespace ${namespace}, or apply kustomize/base), or set ${call.ownNamespace.flag} to a namespace that exists`,
    };
  }
  if (status === 404 && call.crdKind) {
    return wait(`${call.crdKind} CRD ${call.group}/${call.version} is not installed: apply kustomize/base (or the Helm chart)`);
  }
  return wait(`${classifyApiError(error, `${call.verb} ${resourceName(call)} ${where(call)}`).message}`);
}

function wait(message: string): StartUpProblem {
  return { action: 'wait', message };
}

/** No HTTP answer: a refused or reset connection, a name that does not resolve, a TLS failure, a timeout. */
function unanswered(error: unknown, server: string): StartUpProblem {
  const socket = socketErrorOf(error);
  if (socket && UNTRUSTED_CERTIFICATE.test(socket.code)) {
    return wait(
      `the apiserver at ${server} presented a certificate that is not trusted (${socket.code}: ${socket.message}): ` +
        "put the cluster's CA in the kubeconfig (certificate-authority-data); retrying",
    );
  }
  if (socket) return wait(`cannot reach the apiserver at ${server} (${socket.code}: ${socket.message}); retrying until it answers`);
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return wait(`the apiserver at ${server} did not answer in time; retrying`);
  }
  return wait(`cannot reach the apiserver at ${server} (${error instanceof Error ? error.name : typeof error}); retrying`);
}

/** The HTTP status of client-node's ApiException, or of its Watch's error (a plain Error with `statusCode`). */
export function httpStatusOf(error: unknown): number | undefined {
  const fromApi = apiStatusCodeOf(error);
  if (fromApi !== undefined) return fromApi;
  const code = typeof error === 'object' && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined;
}

/** The first error in the cause chain with a string `code` (undici wraps it as fetch's TypeError cause). */
function socketErrorOf(error: unknown): { code: string; message: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && current instanceof Error) return { code, message: current.message };
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `details.kind` of the Status in an ApiException body: which kind of object was not found. */
function detailsKindOf(error: unknown): string | undefined {
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const details = typeof body === 'object' && body !== null ? (body as { details?: unknown }).details : undefined;
  const kind = typeof details === 'object' && details !== null ? (details as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' ? kind : undefined;
}

function resourceName(call: StartUpCall): string {
  return call.group === '' ? call.resource : `${call.resource}.${call.group}`;
}

function where(call: StartUpCall): string {
  return call.namespace === undefined ? 'cluster-wide' : `in namespace "${call.namespace}"`;
}

