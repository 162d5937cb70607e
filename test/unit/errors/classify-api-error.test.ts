import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  AccessDeniedError,
  ConflictError,
  ControllerError,
  InvalidObjectError,
  NotFoundError,
  TransientApiError,
  classifyApiError,
} from '../../../src/errors.ts';

const SECRET_VALUE = 'c3VwZXItc2VjcmV0LXBhc3N3b3Jk';

interface StatusParts {
  message?: string;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** An ApiException as client-node 2.x builds it: the raw response text as body. */
function apiException(code: number, reason: string, parts: StatusParts = {}): ApiException<string> {
  const status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: parts.message ?? `Secret "db" is invalid: data[password]: Invalid value: "${SECRET_VALUE}"`,
    reason,
    ...(parts.details ? { details: parts.details } : {}),
    code,
  };
  return new ApiException(code, 'Unknown API Status Code!', JSON.stringify(status), parts.headers ?? {});
}

/** What kube-apiserver answers when a JSON Patch `test` op fails (NewGenericServerResponse(422, ...)). */
function failedPatchTest(): ApiException<string> {
  return apiException(422, 'Invalid', {
    message: 'the server rejected our request due to an error in our request',
    details: {},
  });
}

/** What kube-apiserver answers when the patched object fails validation (NewInvalid). */
function invalidDeployment(): ApiException<string> {
  return apiException(422, 'Invalid', {
    details: {
      name: 'web',
      group: 'apps',
      kind: 'Deployment',
      causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "x"', field: 'spec.template.metadata.annotations' }],
    },
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs `call` against a CoreV1Api whose apiserver answers every request with `respond`. */
async function againstServer<T>(
  respond: (req: IncomingMessage, res: ServerResponse) => void,
  call: (core: CoreV1Api) => Promise<T>,
): Promise<unknown> {
  const server = createServer(respond);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'test', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'test' }],
      contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
      currentContext: 'test',
    });
    return await call(kubeConfig.makeApiClient(CoreV1Api)).then(
      () => assert.fail('expected the request to fail'),
      (error: unknown) => error,
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('classifyApiError', () => {
  it('retries HTTP 409 as a conflict', () => {
    const error = classifyApiError(apiException(409, 'Conflict'), 'patch Deployment shop/web');
    assert.ok(error instanceof ConflictError);
    assert.equal(error.retry, 'conflict');
    assert.equal(error.statusCode, 409);
    assert.match(error.message, /^patch Deployment shop\/web: the object changed since it was read \(HTTP 409 Conflict\)/);
  });

  it('retries a JSON Patch whose test op failed (422 with empty details) as a conflict', () => {
    const error = classifyApiError(failedPatchTest(), 'patch Deployment shop/web');
    assert.ok(error instanceof ConflictError);
    assert.equal(error.retry, 'conflict');
    assert.equal(error.statusCode, 422);
  });

  it('retries an object the apiserver found invalid (422 naming kind, object and fields) only at the cap', () => {
    const error = classifyApiError(invalidDeployment(), 'patch Deployment shop/web');
    assert.ok(error instanceof InvalidObjectError);
    assert.equal(error.retry, 'cap');
    assert.match(error.message, /rejected the object as invalid \(HTTP 422 Invalid\)/);
  });

  it('treats a 422 without Status details as an invalid object, not as a conflict', () => {
    const error = classifyApiError(apiException(422, 'Invalid'));
    assert.ok(error instanceof InvalidObjectError);
    assert.equal(error.retry, 'cap');
  });

  for (const code of [408, 429, 500, 502, 503, 504]) {
    it(`backs off on HTTP ${code}`, () => {
      const error = classifyApiError(apiException(code, 'ServiceUnavailable'));
      assert.ok(error instanceof TransientApiError);
      assert.equal(error.retry, 'backoff');
      assert.equal(error.retryAfterMs, undefined);
    });
  }

  it('keeps the delay a 429 asks for in its Retry-After header', () => {
    const error = classifyApiError(apiException(429, 'TooManyRequests', { headers: { 'retry-after': '7' } }));
    assert.equal(error.retry, 'backoff');
    assert.equal(error.retryAfterMs, 7000);
  });

  it('takes the longer of the Retry-After header and the Status retryAfterSeconds', () => {
    const source = apiException(503, 'ServiceUnavailable', {
      headers: { 'Retry-After': '1' },
      details: { retryAfterSeconds: 3 },
    });
    assert.equal(classifyApiError(source).retryAfterMs, 3000);
  });

  it('ignores a Retry-After that is not a number of seconds', () => {
    const source = apiException(503, 'ServiceUnavailable', { headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } });
    assert.equal(classifyApiError(source).retryAfterMs, undefined);
  });

  it('reads Retry-After from a real 429 answered to client-node', async () => {
    const failure = await againstServer(
      (_req, res) => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '4' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 4 } }));
      },
      (core) => core.readNamespacedConfigMap({ namespace: 'shop', name: 'web' }),
    );
    assert.ok(failure instanceof ApiException, `expected an ApiException, got ${String(failure)}`);
    const error = classifyApiError(failure, 'read ConfigMap shop/web');
    assert.ok(error instanceof TransientApiError);
    assert.equal(error.retryAfterMs, 4000);
    assert.match(error.message, /^read ConfigMap shop\/web: throttled by the apiserver \(HTTP 429 TooManyRequests\); will retry$/);
  });

  it('retries HTTP 404 with backoff and marks it expected, so it can be logged at debug level', () => {
    const error = classifyApiError(apiException(404, 'NotFound'));
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.retry, 'backoff');
    assert.equal(error.expected, true);
  });

  for (const code of [401, 403]) {
    it(`tells the user to check RBAC on HTTP ${code}, and backs off`, () => {
      const error = classifyApiError(apiException(code, 'Forbidden'), 'list Secrets');
      assert.ok(error instanceof AccessDeniedError);
      assert.equal(error.retry, 'backoff');
      assert.equal(error.expected, false);
      assert.match(error.message, /RBAC/);
    });
  }

  it('backs off on other client errors such as 400', () => {
    const error = classifyApiError(apiException(400, 'BadRequest'));
    assert.equal(error.retry, 'backoff');
    assert.match(error.message, /HTTP 400 BadRequest/);
  });

  it('never carries the response body, in the message or as the cause', () => {
    const source = invalidDeployment();
    assert.ok(source.message.includes(SECRET_VALUE), 'client-node itself embeds the body in its message');
    const error = classifyApiError(source);
    assert.ok(!error.message.includes(SECRET_VALUE));
    assert.equal(error.cause, undefined);
    assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(SECRET_VALUE));
  });

  it('does not echo a Status reason that is not a plain word', () => {
    const body = JSON.stringify({ kind: 'Status', reason: `x ${SECRET_VALUE} y` });
    const error = classifyApiError(new ApiException(500, 'Unknown', body, {}));
    assert.ok(!error.message.includes(SECRET_VALUE));
    assert.match(error.message, /HTTP 500\)/);
  });

  it('reads a Status body that raw requests pass already parsed', () => {
    const error = classifyApiError(new ApiException(422, 'GET', { kind: 'Status', reason: 'Invalid', details: {} }, {}));
    assert.ok(error instanceof ConflictError);
  });

  it('maps a refused connection from a real fetch to a TransientApiError that backs off', async () => {
    const port = await closedPort();
    const failure = await fetch(`http://127.0.0.1:${port}/api`).then(
      () => assert.fail('expected the request to fail'),
      (error: unknown) => error,
    );
    const error = classifyApiError(failure, 'read Lease');
    assert.ok(error instanceof TransientApiError);
    assert.equal(error.retry, 'backoff');
    assert.match(error.message, /ECONNREFUSED/);
    assert.equal(error.cause, failure);
  });

  for (const code of ['ECONNRESET', 'ETIMEDOUT']) {
    it(`maps a socket error with code ${code} to a TransientApiError`, () => {
      const socketError = Object.assign(new Error('socket trouble'), { code });
      assert.ok(classifyApiError(socketError) instanceof TransientApiError);
    });
  }

  it('treats an aborted or timed-out request as transient', () => {
    assert.ok(classifyApiError(new DOMException('The operation was aborted', 'AbortError')) instanceof TransientApiError);
    assert.ok(classifyApiError(new DOMException('deadline passed', 'TimeoutError')) instanceof TransientApiError);
  });

  it('returns a ControllerError unchanged', () => {
    const original = new InvalidObjectError('spec.template: Invalid value');
    assert.equal(classifyApiError(original), original);
  });

  it('backs off on an unexpected error and keeps it as the cause', () => {
    const bug = new RangeError('oops');
    const error = classifyApiError(bug);
    assert.ok(error instanceof ControllerError);
    assert.equal(error.retry, 'backoff');
    assert.equal(error.cause, bug);
  });
});

describe('ControllerError classes', () => {
  it('carry their class name and retry class', () => {
    const cases: Array<[ControllerError, string, string]> = [
      [new TransientApiError('t'), 'TransientApiError', 'backoff'],
      [new ConflictError('c'), 'ConflictError', 'conflict'],
      [new NotFoundError('n'), 'NotFoundError', 'backoff'],
      [new AccessDeniedError('a'), 'AccessDeniedError', 'backoff'],
      [new InvalidObjectError('o'), 'InvalidObjectError', 'cap'],
    ];
    for (const [error, name, retry] of cases) {
      assert.equal(error.name, name);
      assert.equal(error.retry, retry);
      assert.ok(error instanceof Error);
    }
  });
});
