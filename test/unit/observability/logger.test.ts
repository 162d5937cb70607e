import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { createLogger } from '../../../src/observability/logger.ts';
import { ConflictError } from '../../../src/errors.ts';

const SECRET = 'cGFzc3dvcmQxMjM=';

function capture(level: Parameters<typeof createLogger>[0] = 'debug') {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON lines tagged component confighash', () => {
    const { logger, records } = capture();
    logger.info({ workload: 'shop/web' }, 'rolled');
    const [record] = records();
    assert.equal(record?.component, 'confighash');
    assert.equal(record?.msg, 'rolled');
    assert.equal(record?.workload, 'shop/web');
  });

  it('drops records below the configured level', () => {
    const { logger, lines } = capture('warn');
    logger.info('hidden');
    logger.warn('shown');
    assert.equal(lines.length, 1);
  });

  it('redacts Secret values wherever a Secret-like object is logged', () => {
    const { logger, lines } = capture();
    const secret = { metadata: { name: 'db' }, data: { password: SECRET }, stringData: { user: SECRET } };
    logger.info({ data: SECRET, token: SECRET }, 'top level');
    logger.info({ secret }, 'one level down');
    logger.info({ event: { object: secret, binaryData: { key: SECRET } } }, 'two levels down');
    logger.info({ request: { authorization: `Bearer ${SECRET}` } }, 'credentials');
    assert.equal(lines.length, 4);
    for (const line of lines) assert.ok(!line.includes(SECRET), line);
    assert.match(lines[1] ?? '', /"name":"db"/, 'non-sensitive fields stay readable');
  });

  it('keeps the response body of a client-node ApiException out of the log', () => {
    const { logger, lines } = capture();
    const body = JSON.stringify({ kind: 'Status', message: `data: ${SECRET}` });
    const apiError = new ApiException(422, 'Unknown API Status Code!', body, {});
    logger.error({ err: apiError }, 'raw exception');
    logger.error(new Error('while patching', { cause: apiError }), 'wrapped exception');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.ok(!line.includes(SECRET), line);
      assert.match(line, /HTTP 422/);
    }
    assert.match(lines[1] ?? '', /while patching/);
  });

  it('serializes controller errors with their message, class and retry class', () => {
    const { logger, records } = capture();
    logger.warn({ err: new ConflictError('patch Deployment shop/web: changed') }, 'will retry');
    const err = records()[0]?.err as Record<string, unknown>;
    assert.equal(err.type, 'ConflictError');
    assert.equal(err.message, 'patch Deployment shop/web: changed');
    assert.equal(err.retry, 'conflict');
  });
});
