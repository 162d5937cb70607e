/**
 * Errors the controller acts on. `retryable` tells the work queue whether to
 * back off and try again; the message tells the user what to do. Messages and
 * causes never carry request or response bodies: they can hold Secret data.
 */
export interface ControllerErrorOptions {
  retryable: boolean;
  cause?: unknown;
  /** HTTP status of the API response that caused this error, when there was one. */
  statusCode?: number;
}

export class ControllerError extends Error {
  readonly retryable: boolean;
  readonly statusCode: number | undefined;

  constructor(message: string, options: ControllerErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable;
    this.statusCode = options.statusCode;
  }
}

export interface ApiErrorOptions {
  cause?: unknown;
  statusCode?: number;
}

/** The apiserver or the network failed for now; trying again later should work. */
export class TransientApiError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** Someone changed the object first (409, or a JSON Patch `test` op failed): re-read and retry. */
export class ConflictError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** The object is gone; retrying cannot bring it back. */
export class NotFoundError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** The service account may not do this; only an RBAC change fixes it. */
export class AccessDeniedError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** The user's AppConfig cannot be acted on; it goes to status and an Event, not to a retry. */
export class InvalidSpecError extends ControllerError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** Statuses where the same request is expected to succeed later. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures: the apiserver could not be reached or hung up. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** A Status `reason` is a CamelCase word such as "Conflict"; anything else is not echoed. */
const STATUS_REASON = /^[A-Za-z]{1,64}$/;

/**
 * Maps whatever a @kubernetes/client-node call threw to a ControllerError.
 *
 * client-node 2.x throws `ApiException` (numeric `code`, raw response text in
 * `body`, and a message that embeds that body). Only the status code and the
 * Status `reason` are kept; the exception itself is not kept as `cause`, so
 * neither logs nor Events can print the body. Decisions use status codes and
 * error codes, never message text.
 *
 * `action` names what was attempted, e.g. "patch Deployment shop/web".
 */
export function classifyApiError(error: unknown, action = 'Kubernetes API request'): ControllerError {
  if (error instanceof ControllerError) return error;

  const statusCode = apiStatusCodeOf(error);
  if (statusCode !== undefined) return fromHttpStatus(statusCode, statusReasonOf(error), action);

  const networkCode = networkErrorCodeOf(error);
  if (networkCode !== undefined) {
    return new TransientApiError(`${action} failed: cannot reach the apiserver (${networkCode}); will retry`, {
      cause: error,
    });
  }
  if (isAbortOrTimeout(error)) {
    return new TransientApiError(`${action} was aborted or timed out; will retry`, { cause: error });
  }
  const kind = error instanceof Error ? error.name : typeof error;
  return new ControllerError(`${action} failed with an unexpected ${kind}`, { retryable: false, cause: error });
}

function fromHttpStatus(statusCode: number, reason: string | undefined, action: string): ControllerError {
  const http = `HTTP ${statusCode}${reason ? ` ${reason}` : ''}`;
  const options = { statusCode };
  if (statusCode === 409 || statusCode === 422) {
    const message = `${action}: the object changed since it was read (${http}); will re-read and retry`;
    return new ConflictError(message, options);
  }
  if (statusCode === 404) return new NotFoundError(`${action}: not found (${http})`, options);
  if (statusCode === 401 || statusCode === 403) {
    return new AccessDeniedError(
      `${action}: denied (${http}); check the RBAC rules (ClusterRole/Role and bindings) ` +
        'granted to the confighash service account',
      options,
    );
  }
  if (TRANSIENT_STATUSES.has(statusCode)) {
    const what = statusCode === 429 ? 'throttled by the apiserver' : 'apiserver unavailable';
    return new TransientApiError(`${action}: ${what} (${http}); will retry`, options);
  }
  return new ControllerError(`${action}: rejected by the apiserver (${http})`, { ...options, retryable: false });
}

/**
 * The HTTP status of an ApiException-shaped error (numeric `code` plus `body`),
 * else undefined. Duck-typed so that a second bundled copy of client-node is
 * recognised too.
 */
export function apiStatusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('body' in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined;
}

function statusReasonOf(error: unknown): string | undefined {
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const reason = typeof body === 'object' && body !== null ? (body as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' && STATUS_REASON.test(reason) ? reason : undefined;
}

/**
 * Node's fetch (undici) reports network failures as a TypeError whose `cause`
 * carries the socket error code; older stacks put the code on the error itself.
 */
function networkErrorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_ERROR_CODES.has(code) || code.startsWith('UND_ERR_'))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof TypeError && error.cause instanceof Error) return 'fetch failed';
  return undefined;
}

function isAbortOrTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
