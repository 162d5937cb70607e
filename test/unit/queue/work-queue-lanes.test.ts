import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, type WorkQueueOptions } from '../../../src/queue/work-queue.ts';
import { FakeClock } from '../../support/fake-clock.ts';

/** One worker, each run taking `runMs` of fake time: the order of the runs is the queue's choice. */
function oneWorker(runMs: number, overrides: Partial<WorkQueueOptions> = {}) {
  const clock = new FakeClock(0);
  const runs: string[] = [];
  const depths: Array<{ live: number; bulk: number }> = [];
  const waits: Array<{ key: string; lane: string }> = [];
  const queue = new WorkQueue(
    async (key) => {
      runs.push(key);
      await new Promise<void>((resolve) => clock.setTimeout(resolve, runMs));
    },
    {
      debounceMs: 0,
      concurrency: 1,
      backoff: { initialMs: 100, maxMs: 400 },
      clock,
      random: () => 0.5,
      onLaneDepthChange: (byLane) => depths.push(byLane),
      onWait: (key, _ms, lane) => waits.push({ key, lane }),
      ...overrides,
    },
  );
  return { clock, queue, runs, depths, waits };
}

describe('WorkQueue lanes', () => {
  it('runs a live key before the bulk keys that were ready before it (adoption does not delay a real change)', async () => {
    const { clock, queue, runs, waits } = oneWorker(100);
    for (let i = 0; i < 5; i++) queue.add(`bulk-${i}`, 'bulk');
    queue.start();
    await clock.advance(50); // bulk-0 runs
    queue.add('edited');
    await clock.advance(1000);
    assert.deepEqual(runs, ['bulk-0', 'edited', 'bulk-1', 'bulk-2', 'bulk-3', 'bulk-4']);
    assert.deepEqual(waits.find((w) => w.key === 'edited'), { key: 'edited', lane: 'live' });
  });

  it('moves a waiting bulk key into the live lane when a live add comes for it', async () => {
    const { clock, queue, runs } = oneWorker(100);
    for (let i = 0; i < 5; i++) queue.add(`w${i}`, 'bulk');
    queue.start();
    await clock.advance(50);
    queue.add('w4');
    await clock.advance(1000);
    assert.deepEqual(runs, ['w0', 'w4', 'w1', 'w2', 'w3'], 'w4 runs once, next');
  });

  it('keeps a live key live when a bulk add comes for it', async () => {
    const { clock, queue, runs } = oneWorker(100);
    queue.add('a', 'bulk');
    queue.add('b', 'bulk');
    queue.add('c');
    queue.add('c', 'bulk');
    queue.start();
    await clock.advance(1000);
    assert.deepEqual(runs, ['c', 'a', 'b']);
  });

  it('never starves bulk work: a bulk key ready for bulkAgingMs runs before newer live keys', async () => {
    const { clock, queue, runs } = oneWorker(100, { bulkAgingMs: 1000 });
    queue.add('bulk-old', 'bulk');
    queue.start();
    // A steady stream of live keys, one every 50 ms, each taking 100 ms: more than the worker can do.
    for (let i = 0; i < 40; i++) {
      queue.add(`live-${i}`);
      await clock.advance(50);
    }
    await clock.advance(10_000);
    const at = runs.indexOf('bulk-old');
    assert.ok(at > 0, 'it waited behind live keys at first');
    assert.ok(at <= 11, `it ran within about bulkAgingMs / run time of becoming ready (position ${at})`);
    assert.equal(runs.length, 41, 'every key ran once');
  });

  it('reports the waiting keys per lane', async () => {
    const { clock, queue, depths } = oneWorker(100);
    queue.add('a', 'bulk');
    queue.add('b', 'bulk');
    queue.add('c');
    assert.deepEqual(depths.at(-1), { live: 1, bulk: 2 });
    queue.start();
    await clock.advance(1000);
    assert.deepEqual(depths.at(-1), { live: 0, bulk: 0 });
  });

  it('retries a failed bulk key in the bulk lane', async () => {
    const clock = new FakeClock(0);
    let failOnce = true;
    const depths: Array<{ live: number; bulk: number }> = [];
    const queue = new WorkQueue(
      async (key) => {
        if (key === 'flaky' && failOnce) {
          failOnce = false;
          throw new Error('boom');
        }
      },
      { debounceMs: 0, concurrency: 1, backoff: { initialMs: 100, maxMs: 100 }, clock, random: () => 0.5, onLaneDepthChange: (byLane) => depths.push(byLane) },
    );
    queue.add('flaky', 'bulk');
    queue.start();
    await clock.advance(10);
    assert.deepEqual(depths.at(-1), { live: 0, bulk: 1 }, 'waiting for its retry, in the bulk lane');
    await clock.advance(1000);
    assert.deepEqual(depths.at(-1), { live: 0, bulk: 0 });
  });
});
