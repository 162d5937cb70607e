import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException } from '@kubernetes/client-node';
import {
  AccessDeniedError,
  ConflictError,
  ControllerError,
  InvalidSpecError,
  NotFoundError,
  TransientApiError,
  classifyApiError,
} from '../../../src/errors.ts';

const SECRET_VALUE = 'c3VwZXItc2VjcmV0LXBhc3N3b3Jk';

/** An ApiException as client-node 2.x builds it: the raw response text as body. */
function apiException(code: number, reason: string): ApiException<string> {
  const status = {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason,
    code,
    message: `Secret "db" is invalid: data[password]: Invalid value: "${SECRET_VALUE}"`,
  };
  return new ApiException(code, 'Unknown API Status Code!', JSON.stringify(status), {});
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('classifyApiError', () => {
  for (const code of [409, 422]) {
    it(`maps HTTP ${code} to a retryable ConflictError`, () => {
      const error = classifyApiError(apiException(code, code === 409 ? 'Conflict' : 'Invalid'), 'patch Deployment shop/web');
      assert.ok(error instanceof ConflictError);
      assert.equal(error.retryable, true);
      assert.equal(error.statusCode, code);
      assert.match(error.message, /^patch Deployment shop\/web: /);
    });
  }

  for (const code of [429, 500, 502, 503, 504]) {
    it(`maps HTTP ${code} to a retryable TransientApiError`, () => {
      const error = classifyApiError(apiException(code, 'ServiceUnavailable'));
      assert.ok(error instanceof TransientApiError);
      assert.equal(error.retryable, true);
    });
  }

  it('maps HTTP 404 to a NotFoundError that is not retried', () => {
    const error = classifyApiError(apiException(404, 'NotFound'));
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.retryable, false);
  });

  for (const code of [401, 403]) {
    it(`tells the user to check RBAC on HTTP ${code}, without retrying`, () => {
      const error = classifyApiError(apiException(code, 'Forbidden'), 'list Secrets');
      assert.ok(error instanceof AccessDeniedError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /RBAC/);
    });
  }

  it('does not retry other client errors such as 400', () => {
    const error = classifyApiError(apiException(400, 'BadRequest'));
    assert.equal(error.retryable, false);
    assert.match(error.message, /HTTP 400 BadRequest/);
  });

  it('never carries the response body, in the message or as the cause', () => {
    const source = apiException(422, 'Invalid');
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

  it('maps a refused connection from a real fetch to a TransientApiError', async () => {
    const port = await closedPort();
    const failure = await fetch(`http://127.0.0.1:${port}/api`).then(
      () => assert.fail('expected the request to fail'),
      (error: unknown) => error,
    );
    const error = classifyApiError(failure, 'read Lease');
    assert.ok(error instanceof TransientApiError);
    assert.match(error.message, /ECONNREFUSED/);
    assert.equal(error.cause, failure);
  });

  for (const code of ['ECONNRESET', 'ETIMEDOUT']) {
    it(`maps a socket error with code ${code} to a TransientApiError`, () => {
      const socketError = Object.assign(new Error('socket trouble'), { code });
      assert.ok(classifyApiError(socketError) instanceof TransientApiError);
    });
  }

  it('treats an aborted request as transient', () => {
    const error = classifyApiError(new DOMException('The operation was aborted', 'AbortError'));
    assert.ok(error instanceof TransientApiError);
  });

  it('returns a ControllerError unchanged', () => {
    const original = new InvalidSpecError('spec.workloads must not be empty');
    assert.equal(classifyApiError(original), original);
  });

  it('does not retry an unexpected error and keeps it as the cause', () => {
    const bug = new RangeError('oops');
    const error = classifyApiError(bug);
    assert.ok(error instanceof ControllerError);
    assert.equal(error.retryable, false);
    assert.equal(error.cause, bug);
  });
});

describe('ControllerError classes', () => {
  it('carry their class name and retryable flag', () => {
    const cases: Array<[ControllerError, string, boolean]> = [
      [new TransientApiError('t'), 'TransientApiError', true],
      [new ConflictError('c'), 'ConflictError', true],
      [new InvalidSpecError('i'), 'InvalidSpecError', false],
      [new NotFoundError('n'), 'NotFoundError', false],
      [new AccessDeniedError('a'), 'AccessDeniedError', false],
    ];
    for (const [error, name, retryable] of cases) {
      assert.equal(error.name, name);
      assert.equal(error.retryable, retryable);
      assert.ok(error instanceof Error);
    }
  });
});
