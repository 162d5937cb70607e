import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, InvalidObjectError, NotFoundError, TransientApiError } from '../../../src/errors.ts';
import { WorkQueue, type WorkQueueOptions } from '../../../src/queue/work-queue.ts';
import { FakeClock, settle } from '../../support/fake-clock.ts';

interface Harness {
  clock: FakeClock;
  queue: WorkQueue;
  /** Every handler start, in order, with the fake time it started at. */
  runs: Array<{ key: string; at: number }>;
}

function harness(
  handler: (key: string, signal: AbortSignal) => Promise<void>,
  overrides: Partial<WorkQueueOptions> = {},
): Harness {
  const clock = new FakeClock(0);
  const runs: Harness['runs'] = [];
  const queue = new WorkQueue(
    async (key, signal) => {
      runs.push({ key, at: clock.now() });
      await handler(key, signal);
    },
    {
      debounceMs: 1000,
      concurrency: 4,
      backoff: { initialMs: 100, maxMs: 400 },
      clock,
      random: () => 0.5, // no jitter: retry times are exact
      ...overrides,
    },
  );
  return { clock, queue, runs };
}

const noop = async (): Promise<void> => {};

describe('WorkQueue', () => {
  it('runs a key once, a quiet period after the last of 20 adds made 200 ms apart', async () => {
    const { clock, queue, runs } = harness(noop, { debounceMs: 1000, debounceMaxMs: 10_000 });
    queue.start();
    for (let i = 0; i < 20; i++) {
      queue.add('default/web');
      if (i < 19) await clock.advance(200);
    }
    assert.equal(clock.now(), 3800, 'the last add is at 3.8 s');
    await clock.advance(999);
    assert.equal(runs.length, 0, 'every add restarts the quiet period');
    await clock.advance(1);
    await clock.advance(60_000);
    assert.deepEqual(runs, [{ key: 'default/web', at: 4800 }]);
  });

  it('runs a key under a steady stream of adds at least once per debounceMaxMs', async () => {
    const debounceMaxMs = 5000;
    const { clock, queue, runs } = harness(noop, { debounceMs: 1000, debounceMaxMs });
    queue.start();
    const spanMs = 30_000;
    for (let at = 0; at < spanMs; at += 200) {
      queue.add('a');
      await clock.advance(200);
    }
    await clock.advance(60_000);
    assert.equal(runs[0]?.at, debounceMaxMs, 'the first run waits no longer than the cap');
    assert.ok(runs.length <= Math.ceil(spanMs / debounceMaxMs) + 1, `ran ${runs.length} times`);
    for (let i = 1; i < runs.length; i++) {
      const gap = runs[i]!.at - runs[i - 1]!.at;
      assert.ok(gap <= debounceMaxMs, `a gap of ${gap} ms between runs ${i - 1} and ${i}`);
    }
    const lastAdd = spanMs - 200;
    assert.ok(runs.at(-1)!.at >= lastAdd, 'a run starts after the last add, so it sees the last change');
  });

  it('lets a stream of adds postpone a key without limit when debounceMaxMs is 0', async () => {
    const { clock, queue, runs } = harness(noop, { debounceMs: 1000, debounceMaxMs: 0 });
    queue.start();
    for (let i = 0; i < 100; i++) {
      queue.add('a');
      await clock.advance(500);
    }
    assert.equal(runs.length, 0);
    await clock.advance(500);
    assert.deepEqual(runs, [{ key: 'a', at: 50_500 }]);
  });

  it('processes every add of a stream on the next tick with debounce 0', async () => {
    const { clock, queue, runs } = harness(noop, { debounceMs: 0, debounceMaxMs: 10_000 });
    queue.start();
    for (let i = 0; i < 5; i++) {
      queue.add('a');
      await settle();
      await clock.advance(200);
    }
    assert.deepEqual(
      runs.map((run) => run.at),
      [0, 200, 400, 600, 800],
    );
  });

  it('does not postpone a retry when the key is added while it waits in backoff', async () => {
    let failuresLeft = 1;
    const { clock, queue, runs } = harness(
      async () => {
        if (failuresLeft-- > 0) throw new TransientApiError('apiserver unavailable');
      },
      { debounceMs: 1000, debounceMaxMs: 10_000, backoff: { initialMs: 400, maxMs: 400 } },
    );
    queue.start();
    queue.add('a');
    await clock.advance(1000);
    assert.equal(runs.length, 1, 'the first run fails at 1 s; its retry is due at 1.4 s');
    for (let i = 0; i < 3; i++) {
      await clock.advance(100);
      queue.add('a');
    }
    await clock.advance(100);
    assert.deepEqual(
      runs.map((run) => run.at),
      [1000, 1400],
    );
    await clock.advance(60_000);
    assert.equal(runs.length, 2, 'the retry covered the adds made before it');
  });

  it('runs exactly once more when a key is added while it is being processed', async () => {
    const release = Promise.withResolvers<void>();
    let concurrentRunsOfKey = 0;
    let maxConcurrentRunsOfKey = 0;
    const { clock, queue, runs } = harness(async () => {
      concurrentRunsOfKey++;
      maxConcurrentRunsOfKey = Math.max(maxConcurrentRunsOfKey, concurrentRunsOfKey);
      if (runs.length === 1) await release.promise;
      concurrentRunsOfKey--;
    });
    queue.start();
    queue.add('a');
    await clock.advance(1000);
    assert.equal(runs.length, 1);

    for (let i = 0; i < 5; i++) queue.add('a');
    assert.equal(queue.depth, 1, 'the dirty key counts as waiting');
    await clock.advance(5000);
    assert.equal(runs.length, 1, 'no second run while the first is in flight');

    release.resolve();
    await settle();
    await clock.advance(1000);
    await queue.idle();
    await clock.advance(10_000);
    assert.equal(runs.length, 2);
    assert.equal(runs[1]?.at, 7000, 'the extra run waits for the debounce after the first ends');
    assert.equal(maxConcurrentRunsOfKey, 1);
  });

  it('runs again as soon as a long run ends when adds made during it have waited past debounceMaxMs', async () => {
    const release = Promise.withResolvers<void>();
    const { clock, queue, runs } = harness(
      async () => {
        if (runs.length === 1) await release.promise;
      },
      { debounceMs: 1000, debounceMaxMs: 3000 },
    );
    queue.start();
    queue.add('a');
    await clock.advance(1500);
    queue.add('a');
    await clock.advance(4500);
    release.resolve();
    await settle();
    await clock.advance(0);
    assert.deepEqual(
      runs.map((run) => run.at),
      [1000, 6000],
      'the add at 1.5 s has waited 4.5 s, more than the 3 s cap',
    );
  });

  it('processes with debounce 0 on the next tick without the clock moving', async () => {
    const { queue, runs } = harness(noop, { debounceMs: 0 });
    queue.start();
    queue.add('a');
    queue.add('a');
    assert.equal(runs.length, 0, 'add never runs the handler synchronously');
    await queue.idle();
    assert.deepEqual(runs, [{ key: 'a', at: 0 }]);
  });

  it('never runs more handlers at once than the concurrency bound', async () => {
    const gates = new Map<string, PromiseWithResolvers<void>>();
    let active = 0;
    let maxActive = 0;
    const { queue, runs } = harness(
      async (key) => {
        active++;
        maxActive = Math.max(maxActive, active);
        const gate = Promise.withResolvers<void>();
        gates.set(key, gate);
        await gate.promise;
        active--;
      },
      { debounceMs: 0, concurrency: 2 },
    );
    queue.start();
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) queue.add(key);
    await settle();
    assert.equal(active, 2);
    assert.equal(queue.depth, 3);

    while (runs.length < 5 || active > 0) {
      const key = runs.find((run) => gates.has(run.key))?.key;
      assert.ok(key, 'a run is waiting to be released');
      gates.get(key)?.resolve();
      gates.delete(key);
      await settle();
    }
    await queue.idle();
    assert.equal(maxActive, 2);
    assert.deepEqual(
      runs.map((run) => run.key),
      ['k1', 'k2', 'k3', 'k4', 'k5'],
      'keys are served in the order they became due',
    );
  });

  it('retries a transient error with doubling backoff capped at maxMs, and resets after a success', async () => {
    let failuresLeft = 4;
    const retries: number[] = [];
    const { clock, queue, runs } = harness(
      async () => {
        if (failuresLeft-- > 0) throw new TransientApiError('apiserver unavailable');
      },
      { onFailure: (_key, _error, delayMs) => retries.push(delayMs) },
    );
    queue.start();
    queue.add('a');
    await clock.advance(10_000);
    await queue.idle();
    assert.deepEqual(
      runs.map((run) => run.at),
      [1000, 1100, 1300, 1700, 2100],
    );
    assert.deepEqual(retries, [100, 200, 400, 400]);

    failuresLeft = 1;
    queue.add('a');
    await clock.advance(10_000);
    assert.deepEqual(
      runs.slice(5).map((run) => run.at - runs[5]!.at),
      [0, 100],
      'the first retry after a success waits initialMs again',
    );
  });

  it('never drops a key: a 404, an invalid object and a bug in the handler are all retried', async () => {
    const failures = [new NotFoundError('gone'), new InvalidObjectError('invalid'), new TypeError('bug')];
    const { clock, queue, runs } = harness(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
      },
      { backoff: { initialMs: 100, maxMs: 60_000 } },
    );
    queue.start();
    queue.add('a');
    await clock.advance(200_000);
    assert.deepEqual(
      runs.map((run) => run.at),
      [1000, 1100, 61_100, 61_500],
      '404 backs off (100 ms), the invalid object waits for the cap (60 s), the bug backs off (400 ms, 3rd failure)',
    );
    assert.equal(queue.depth, 0);
  });

  it('retries a conflict at once a few times, then backs off', async () => {
    const { clock, queue, runs } = harness(
      async () => {
        if (runs.length <= 5) throw new ConflictError('the object changed');
      },
      { debounceMs: 0, backoff: { initialMs: 100, maxMs: 60_000 } },
    );
    queue.start();
    queue.add('a');
    await clock.advance(10_000);
    assert.deepEqual(
      runs.map((run) => run.at),
      [0, 50, 100, 150, 250, 450],
    );
  });

  it('waits at least as long as a Retry-After asks, even when the key is added meanwhile', async () => {
    let throttled = true;
    const { clock, queue, runs } = harness(
      async () => {
        if (throttled) throw new TransientApiError('throttled', { statusCode: 429, retryAfterMs: 5000 });
      },
      { debounceMs: 10 },
    );
    queue.start();
    queue.add('a');
    await clock.advance(10);
    throttled = false;
    queue.add('a');
    await clock.advance(4999);
    assert.equal(runs.length, 1, 'the add does not pull the retry before the server said');
    await clock.advance(1);
    assert.deepEqual(
      runs.map((run) => run.at),
      [10, 5010],
    );
  });

  it('lets a change pull an invalid object forward from the cap to its quiet period', async () => {
    let invalid = true;
    const { clock, queue, runs } = harness(
      async () => {
        if (invalid) throw new InvalidObjectError('rejected by a policy');
      },
      { debounceMs: 1000, backoff: { initialMs: 100, maxMs: 300_000 } },
    );
    queue.start();
    queue.add('a');
    await clock.advance(1000);
    invalid = false;
    await clock.advance(5000);
    queue.add('a');
    await clock.advance(1000);
    assert.deepEqual(
      runs.map((run) => run.at),
      [1000, 7000],
    );
    await clock.advance(600_000);
    assert.equal(runs.length, 2, 'the retry at the cap was covered by the run the change caused');
  });

  it('reports each failure with its attempt number, and the end of the streak once', async () => {
    const reports: string[] = [];
    let failuresLeft = 3;
    const { clock, queue } = harness(
      async () => {
        if (failuresLeft-- > 0) throw new TransientApiError('apiserver unavailable');
      },
      {
        onFailure: (key, error, delayMs, attempt) =>
          reports.push(`${key} failed: ${(error as Error).message}, attempt ${attempt}, again in ${delayMs} ms`),
        onRecovered: (key, attempts) => reports.push(`${key} recovered after ${attempts} failed attempts`),
      },
    );
    queue.start();
    queue.add('a');
    await clock.advance(10_000);
    queue.add('a');
    await clock.advance(10_000);
    assert.deepEqual(reports, [
      'a failed: apiserver unavailable, attempt 1, again in 100 ms',
      'a failed: apiserver unavailable, attempt 2, again in 200 ms',
      'a failed: apiserver unavailable, attempt 3, again in 400 ms',
      'a recovered after 3 failed attempts',
    ]);
  });

  it('reports how long a due key waited for a free worker, not its quiet period', async () => {
    const waits: Array<[string, number]> = [];
    const { clock, queue, runs } = harness(
      (key) => new Promise<void>((resolve) => clock.setTimeout(resolve, key === 'a' ? 300 : 10)),
      { debounceMs: 1000, concurrency: 1, onWait: (key, waitedMs) => waits.push([key, waitedMs]) },
    );
    queue.start();
    queue.add('a');
    queue.add('b');
    await clock.advance(10_000);
    assert.deepEqual(runs, [
      { key: 'a', at: 1000 },
      { key: 'b', at: 1300 },
    ]);
    assert.deepEqual(waits, [
      ['a', 0],
      ['b', 300],
    ]);
  });

  it('tells each failure the retry class that picked its delay', async () => {
    const failures = [new ConflictError('changed'), new TransientApiError('unavailable'), new InvalidObjectError('invalid'), new TypeError('bug')];
    const classes: string[] = [];
    const { clock, queue } = harness(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
      },
      { onFailure: (_key, _error, _delayMs, _attempt, retry) => classes.push(retry) },
    );
    queue.start();
    queue.add('a');
    await clock.advance(60_000);
    assert.deepEqual(classes, ['conflict', 'backoff', 'cap', 'backoff'], 'an error without a class backs off');
  });

  it('counts the keys whose latest run failed, and none once drained', async () => {
    const failing: number[] = [];
    let aFailuresLeft = 1;
    const { clock, queue } = harness(
      async (key) => {
        if (key === 'b' || aFailuresLeft-- > 0) throw new TransientApiError('unavailable');
      },
      { onFailingChange: (count) => failing.push(count) },
    );
    queue.start();
    queue.add('a');
    queue.add('b');
    await clock.advance(1000);
    assert.deepEqual(failing, [1, 2]);
    await clock.advance(5000);
    assert.deepEqual(failing, [1, 2, 1], 'a succeeded on its retry, b still fails');
    await queue.drain(1000);
    assert.deepEqual(failing, [1, 2, 1, 0], 'a dropped key will not be retried, so it no longer counts');
  });

  it('aborts a run at its deadline, counts it as failed and retries it', async () => {
    const signals: AbortSignal[] = [];
    const failures: unknown[] = [];
    const { clock, queue, runs } = harness(
      (_key, signal) => {
        signals.push(signal);
        if (signals.length > 1) return Promise.resolve();
        return new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        });
      },
      { debounceMs: 0, handlerTimeoutMs: 30_000, onFailure: (_key, error) => failures.push(error) },
    );
    queue.start();
    queue.add('a');
    await clock.advance(29_999);
    assert.equal(signals[0]?.aborted, false);
    await clock.advance(1);
    assert.equal(signals[0]?.aborted, true);
    assert.ok(failures[0] instanceof DOMException);
    assert.equal(failures[0].name, 'TimeoutError');
    assert.match(failures[0].message, /the run for a passed its 30000ms deadline/);
    await clock.advance(100);
    assert.deepEqual(
      runs.map((run) => run.at),
      [0, 30_100],
    );
    assert.notEqual(signals[1], signals[0], 'each run has its own signal');
    assert.equal(signals[1]?.aborted, false);
  });

  it('counts a run that outlived its deadline as failed even when its handler returned normally', async () => {
    const failures: unknown[] = [];
    const { clock, queue, runs } = harness(
      async (_key, signal) => {
        if (runs.length === 1) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
      { debounceMs: 0, handlerTimeoutMs: 1000, onFailure: (_key, error) => failures.push(error) },
    );
    queue.start();
    queue.add('a');
    await clock.advance(5000);
    assert.equal(failures.length, 1);
    assert.equal(runs.length, 2);
  });

  it('lets an add pull a key in backoff forward to the debounce', async () => {
    let fail = true;
    const { clock, queue, runs } = harness(
      async () => {
        if (fail) throw new TransientApiError('apiserver unavailable');
      },
      { debounceMs: 10, backoff: { initialMs: 5000, maxMs: 5000 } },
    );
    queue.start();
    queue.add('a');
    await clock.advance(10);
    fail = false;
    queue.add('a');
    await clock.advance(20);
    assert.deepEqual(
      runs.map((run) => run.at),
      [10, 20],
    );
    await clock.advance(10_000);
    assert.equal(runs.length, 2, 'the old backoff timer does not cause a third run');
  });

  it('says a key is due and healthy from its add until its run ends, and not while it fails', async () => {
    let release: () => void = () => {};
    let fail = false;
    const { clock, queue } = harness(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      if (fail) throw new TransientApiError('apiserver unavailable');
    });
    queue.start();
    assert.equal(queue.isDueAndHealthy('a'), false, 'never added');
    queue.add('a');
    assert.equal(queue.isDueAndHealthy('a'), true, 'scheduled');
    await clock.advance(1000);
    assert.equal(queue.isDueAndHealthy('a'), true, 'in flight');
    release();
    await settle();
    assert.equal(queue.isDueAndHealthy('a'), false, 'its run ended well');

    fail = true;
    queue.add('a');
    await clock.advance(1000);
    release();
    await settle();
    assert.equal(queue.isDueAndHealthy('a'), false, 'waiting for a retry after a failure');
  });

  it('tells of each run end once the key is no longer in flight, and with it due again when it was added during the run', async () => {
    let release: () => void = () => {};
    const ends: Array<{ key: string; due: boolean }> = [];
    const { clock, queue } = harness(
      () => new Promise<void>((resolve) => (release = resolve)),
      { onRunEnd: (key) => ends.push({ key, due: queue.isDueAndHealthy(key) }) },
    );
    queue.start();
    queue.add('a');
    await clock.advance(1000);
    release();
    await settle();
    assert.deepEqual(ends, [{ key: 'a', due: false }], 'not in flight any more when told');

    queue.add('a');
    await clock.advance(1000);
    queue.add('a');
    release();
    await settle();
    assert.deepEqual(ends[1], { key: 'a', due: true }, 'an add during the run makes it due again');
  });

  it('holds keys until start and then runs them', async () => {
    const { clock, queue, runs } = harness(noop);
    queue.add('a');
    queue.add('b');
    await clock.advance(5000);
    assert.equal(runs.length, 0);
    assert.equal(queue.depth, 2);
    queue.start();
    await queue.idle();
    assert.deepEqual(
      runs.map((run) => run.key),
      ['a', 'b'],
    );
  });

  it('reports every change of depth', async () => {
    const depths: number[] = [];
    const { clock, queue } = harness(noop, { onDepthChange: (depth) => depths.push(depth) });
    queue.start();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    await clock.advance(1000);
    await queue.idle();
    assert.deepEqual(depths, [1, 2, 1, 0]);
  });

  it('drain waits for handlers in flight and drops waiting keys', async () => {
    const release = Promise.withResolvers<void>();
    const { clock, queue, runs } = harness(async (key) => {
      if (key === 'slow') await release.promise;
    });
    queue.start();
    queue.add('slow');
    await clock.advance(1000);
    queue.add('later');
    queue.add('slow');

    let drained = false;
    const draining = queue.drain(30_000).then(() => {
      drained = true;
    });
    await clock.advance(5000);
    assert.equal(drained, false, 'drain waits for the handler in flight');
    assert.equal(queue.depth, 0, 'waiting and dirty keys are dropped');

    queue.add('after-drain');
    release.resolve();
    await draining;
    await clock.advance(60_000);
    assert.deepEqual(
      runs.map((run) => run.key),
      ['slow'],
    );
  });

  it('drain aborts handlers still running at the timeout and resolves', async () => {
    const seen: { abortReason?: unknown } = {};
    const { clock, queue } = harness(
      (_key, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            seen.abortReason = signal.reason;
            resolve();
          });
        }),
      { debounceMs: 0 },
    );
    queue.start();
    queue.add('stuck');
    await settle();
    const draining = queue.drain(2000);
    await clock.advance(1999);
    assert.equal(seen.abortReason === undefined, true, 'not aborted before the timeout');
    await clock.advance(1);
    await draining;
    assert.ok(seen.abortReason instanceof Error);
  });

  it('rejects options that cannot work', () => {
    const base = { debounceMs: 0, concurrency: 1, backoff: { initialMs: 1, maxMs: 1 } };
    assert.throws(() => new WorkQueue(noop, { ...base, concurrency: 0 }), RangeError);
    assert.throws(() => new WorkQueue(noop, { ...base, debounceMs: -1 }), RangeError);
    assert.throws(() => new WorkQueue(noop, { ...base, debounceMs: 1000, debounceMaxMs: 999 }), RangeError);
    assert.throws(() => new WorkQueue(noop, { ...base, backoff: { initialMs: 10, maxMs: 5 } }), RangeError);
    assert.throws(() => new WorkQueue(noop, { ...base, handlerTimeoutMs: 0 }), RangeError);
  });
});
