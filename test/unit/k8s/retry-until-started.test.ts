import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { retryUntilStarted, type StartUpReporter } from '../../../src/k8s/retry-until-started.ts';
import { CannotStartError, StartUpCallError } from '../../../src/k8s/start-up-errors.ts';
import type { StartUpCall } from '../../../src/k8s/start-up-problem.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const getSecret: StartUpCall = {
  verb: 'create', resource: 'secrets', group: '', version: 'v1', namespace: 'gone', grantedBy: 'the Role confighash (kustomize/base)',
  ownNamespace: { holds: 'the HMAC key Secret', flag: '--hmac-secret-namespace' },
};

function reporter(): StartUpReporter & { events: string[] } {
  const events: string[] = [];
  return { events, waiting: (key, message) => events.push(`waiting ${key}: ${message}`), resolved: (key) => events.push(`resolved ${key}`) };
}

describe('retryUntilStarted', () => {
  it('reports a failure that may come right, retries it, and reports it resolved once the step succeeds', async () => {
    const report = reporter();
    let calls = 0;
    const value = await retryUntilStarted('hmac-key', async () => {
      calls += 1;
      if (calls < 3) throw new StartUpCallError(getSecret, new ApiException(403, 'denied', {}, {}));
      return 'key';
    }, { signal: new AbortController().signal, report, server: 'https://s', backoff: { initialMs: 1, maxMs: 1 } });
    assert.equal(value, 'key');
    assert.equal(calls, 3);
    assert.equal(report.events.length, 3);
    assert.match(report.events[0] ?? '', /^waiting hmac-key: confighash may not create secrets in namespace "gone" \(HTTP 403\)/);
    assert.equal(report.events[2], 'resolved hmac-key');
  });

  it('throws CannotStartError at once for what a person must fix', async () => {
    const report = reporter();
    const missing = new ApiException(404, 'not found', { details: { kind: 'namespaces', name: 'gone' } }, {});
    await assert.rejects(
      retryUntilStarted('hmac-key', () => Promise.reject(new StartUpCallError(getSecret, missing)), { signal: new AbortController().signal, report, server: 'https://s' }),
      (error: unknown) => error instanceof CannotStartError && /^namespace "gone" does not exist/.test(error.message),
    );
    assert.deepEqual(report.events, []);
  });

  it('backs off, capped, between attempts', async () => {
    const clock = new FakeClock();
    const report = reporter();
    const stop = new AbortController();
    const attempts: number[] = [];
    const done = retryUntilStarted('k', () => {
      attempts.push(clock.now());
      return Promise.reject(new StartUpCallError(getSecret, new ApiException(403, 'denied', {}, {})));
    }, { signal: stop.signal, report, server: 'https://s', clock, random: () => 0.5, backoff: { initialMs: 100, maxMs: 400 } }).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    for (let i = 0; i < 6; i++) await clock.advance(400);
    stop.abort();
    await clock.advance(400);
    assert.ok((await done) instanceof StartUpCallError, 'the last error, once aborted');
    const gaps = attempts.slice(1).map((at, i) => at - (attempts[i] ?? 0));
    assert.deepEqual(gaps.slice(0, 4), [100, 200, 400, 400]);
  });
});
