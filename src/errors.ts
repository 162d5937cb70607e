import type { RetryClass } from './queue/retry-delay.ts';

/**
 * Errors the controller acts on. No failure makes the controller forget a key:
 * `retry` tells the work queue how soon to try again, and the message tells the
 * user what to do. Messages and causes never carry request or response bodies:
 * they can hold Secret data.
 */
export interface ControllerErrorOptions {
  retry: RetryClass;
  cause?: unknown;
  /** HTTP status of the API response that caused this error, when there was one. */
  statusCode?: number;
  /** The least delay the apiserver asked for (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** Part of normal operation (the object was deleted meanwhile): worth a debug line, not a warning. */
  expected?: boolean;
}

export class ControllerError extends Error {
  readonly retry: RetryClass;
  readonly retryAfterMs: number | undefined;
  readonly statusCode: number | undefined;
  readonly expected: boolean;

  constructor(message: string, options: ControllerErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retry = options.retry;
    this.retryAfterMs = options.retryAfterMs;
    this.statusCode = options.statusCode;
    this.expected = options.expected ?? false;
  }
}

export interface ApiErrorOptions {
  cause?: unknown;
  statusCode?: number;
  retryAfterMs?: number;
}

/** The apiserver or the network failed for now; trying again later should work. */
export class TransientApiError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retry: 'backoff' });
  }
}

/**
 * Someone changed the object first (409, or the JSON Patch no longer applies):
 * re-read and retry at once.
 */
export class ConflictError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retry: 'conflict' });
  }
}

/**
 * The object is gone. Retried all the same: the next run finds it missing from
 * the store and returns at once, or finds it re-created.
 */
export class NotFoundError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retry: 'backoff', expected: true });
  }
}

/**
 * The service account may not do this. Backed off, not dropped: right after an
 * apiserver restart the authorizer denies until it is ready, and RBAC may be fixed later.
 */
export class AccessDeniedError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retry: 'backoff' });
  }
}

/**
 * The apiserver refused the object as invalid (422): field validation, an
 * admission webhook or a policy. Only a change to the object can fix that, and
 * the change adds the key anyway, so the retry waits for the longest delay.
 */
export class InvalidObjectError extends ControllerError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(message, { ...options, retry: 'cap' });
  }
}

/**
 * This replica's Lease may have run out (its renew deadline passed): another replica may
 * lead already, so it writes nothing. The key waits; a new leader does the work anyway.
 */
export class NotLeadingError extends ControllerError {
  constructor(action: string) {
    super(`${action}: not written, this replica's leader Lease may have expired`, { retry: 'backoff', expected: true });
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
 * `body`, response `headers` with lower-case names, and a message that embeds
 * the body). Only the status code, the Status `reason` and the requested retry
 * delay are kept; the exception itself is not kept as `cause`, so neither logs
 * nor Events can print the body. Decisions use status codes, Status fields and
 * error codes, never message text.
 *
 * `action` names what was attempted, e.g. "patch Deployment shop/web".
 */
export function classifyApiError(error: unknown, action = 'Kubernetes API request'): ControllerError {
  if (error instanceof ControllerError) return error;

  const statusCode = apiStatusCodeOf(error);
  if (statusCode !== undefined) {
    const status = apiStatusOf(error);
    return fromHttpStatus(statusCode, status, retryAfterMsOf(error, status), action);
  }

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
  return new ControllerError(`${action} failed with an unexpected ${kind}; will retry`, {
    retry: 'backoff',
    cause: error,
  });
}

function fromHttpStatus(
  statusCode: number,
  status: ApiStatus,
  retryAfterMs: number | undefined,
  action: string,
): ControllerError {
  const http = `HTTP ${statusCode}${status.reason ? ` ${status.reason}` : ''}`;
  const options = { statusCode, retryAfterMs };
  if (statusCode === 409 || (statusCode === 422 && isJsonPatchThatDidNotApply(status))) {
    const message = `${action}: the object changed since it was read (${http}); will re-read and retry`;
    return new ConflictError(message, options);
  }
  if (statusCode === 422) {
    return new InvalidObjectError(
      `${action}: the apiserver rejected the object as invalid (${http}); check the object and the ` +
        'admission webhooks or policies that apply to it; will retry at the longest retry interval',
      options,
    );
  }
  if (statusCode === 404) return new NotFoundError(`${action}: not found (${http}); it was probably deleted`, options);
  if (statusCode === 401 || statusCode === 403) {
    return new AccessDeniedError(
      `${action}: denied (${http}); check the RBAC rules (ClusterRole/Role and bindings) ` +
        'granted to the confighash service account; will retry',
      options,
    );
  }
  if (TRANSIENT_STATUSES.has(statusCode)) {
    const what = statusCode === 429 ? 'throttled by the apiserver' : 'apiserver unavailable';
    return new TransientApiError(`${action}: ${what} (${http}); will retry`, options);
  }
  return new ControllerError(`${action}: rejected by the apiserver (${http}); will retry`, {
    ...options,
    retry: 'backoff',
  });
}

/**
 * The parts of a metav1.Status body that classification reads. `details` is
 * kept as found: which of its fields are set is what tells 422s apart.
 */
interface ApiStatus {
  reason?: string;
  details?: Record<string, unknown>;
}

/**
 * A 422 whose JSON Patch could not be applied to the object as it is now: a
 * `test` op failed, or a path it names is gone. Both mean the object changed
 * since it was read. kube-apiserver reports these with
 * NewGenericServerResponse(422, ...) (handlers/patch.go, jsonPatcher): reason
 * "Invalid", a generic message ("the server rejected our request due to an
 * error in our request"), and a `details` object with no kind, name or causes;
 * the jsonpatch error text is not sent. An object that fails validation comes
 * from NewInvalid instead, whose `details` name the kind and the object and
 * list the invalid fields as causes. Telling them apart by those fields keeps
 * the decision off message text. A 422 without a Status `details` object (from
 * a webhook or a proxy) counts as invalid: nothing says the patch was at fault.
 */
function isJsonPatchThatDidNotApply(status: ApiStatus): boolean {
  const { details } = status;
  if (status.reason !== 'Invalid' || details === undefined) return false;
  const causes = details.causes;
  const named = [details.kind, details.name].some((value) => typeof value === 'string' && value !== '');
  return !named && !(Array.isArray(causes) && causes.length > 0);
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

/** The Status in an ApiException body (raw text from typed clients, parsed from raw-request.ts). */
function apiStatusOf(error: unknown): ApiStatus {
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return {};
    }
  }
  if (typeof body !== 'object' || body === null) return {};
  const { reason, details } = body as { reason?: unknown; details?: unknown };
  const status: ApiStatus = {};
  if (typeof reason === 'string' && STATUS_REASON.test(reason)) status.reason = reason;
  if (typeof details === 'object' && details !== null) status.details = details as Record<string, unknown>;
  return status;
}

/**
 * The delay the server asked for: the Retry-After header (delta-seconds, the
 * form kube-apiserver sends with 429 and 503) or the Status field
 * `details.retryAfterSeconds`, whichever is longer.
 */
function retryAfterMsOf(error: unknown, status: ApiStatus): number | undefined {
  const seconds = [retryAfterHeaderOf(error), status.details?.retryAfterSeconds].filter(
    (value): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0,
  );
  return seconds.length === 0 ? undefined : Math.max(...seconds) * 1000;
}

function retryAfterHeaderOf(error: unknown): number | undefined {
  const headers = (error as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  // client-node copies fetch's lower-case names, but a hand-built ApiException may not.
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after');
  const value: unknown = entry?.[1];
  return typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
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
