import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { retryTransient } from '../../../src/k8s/retry-transient.ts';
import { FakeClock, settle } from '../../support/fake-clock.ts';

const unavailable = () => new ApiException(503, 'GET /apis/argoproj.io/v1alpha1 answered 503', { reason: 'ServiceUnavailable' }, {});
const forbidden = () => new ApiException(403, 'GET /apis/argoproj.io/v1alpha1/rollouts answered 403', { reason: 'Forbidden' }, {});

describe('retryTransient', () => {
  it('asks again with doubling, capped delays while the apiserver answers 503, and returns the first answer', async () => {
    const clock = new FakeClock(0);
    const delays: number[] = [];
    let failuresLeft = 4;
    const answer = retryTransient(
      () => (failuresLeft-- > 0 ? Promise.reject(unavailable()) : Promise.resolve('rollouts')),
      { signal: new AbortController().signal, action: 'ask', clock, random: () => 0.5, backoff: { initialMs: 500, maxMs: 2000 }, onRetry: (_e, ms) => delays.push(ms) },
    );
    for (let i = 0; i < 10; i++) {
      await settle();
      await clock.advance(2000);
    }
    assert.equal(await answer, 'rollouts');
    assert.deepEqual(delays, [500, 1000, 2000, 2000]);
  });

  it('throws an answer that is not transient (403) at once, without retrying', async () => {
    let calls = 0;
    await assert.rejects(
      retryTransient(() => {
        calls += 1;
        return Promise.reject(forbidden());
      }, { signal: new AbortController().signal, action: 'list', clock: new FakeClock(0) }),
      (err: unknown) => err instanceof ApiException && err.code === 403,
    );
    assert.equal(calls, 1);
  });

  it('gives up with the last error once its signal aborts', async () => {
    const clock = new FakeClock(0);
    const giveUp = new AbortController();
    let calls = 0;
    const answer = retryTransient(() => {
      calls += 1;
      return Promise.reject(unavailable());
    }, { signal: giveUp.signal, action: 'ask', clock, random: () => 0.5 });
    await settle();
    giveUp.abort();
    await assert.rejects(answer, (err: unknown) => err instanceof ApiException && err.code === 503);
    assert.equal(calls, 1, 'no request after the abort');
  });
});
