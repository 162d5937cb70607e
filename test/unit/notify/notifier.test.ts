import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { checksumPrefix, notificationBody, type Notification } from '../../../src/core/notification.ts';
import { Notifier, type NotifyResult } from '../../../src/notify/notifier.ts';

const ROLLOUT: Notification = {
  event: 'rollout',
  namespace: 'shop',
  workload: { kind: 'Deployment', name: 'web' },
  appConfigs: ['web'],
  changed: ['ConfigMap app-config (LOG_LEVEL)'],
  from: 'v1.1111111111aa',
  to: 'v1.2222222222bb',
  time: '2026-12-04T19:00:00.000Z',
  summary: 'rolled Deployment shop/web',
};

/** A receiver on 127.0.0.1 that answers each request with `answer` (or never, for 'hang'). */
async function receiver(answer: (n: number) => number | 'hang'): Promise<{ url: string; bodies: string[]; close: () => Promise<void> }> {
  const bodies: string[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      bodies.push(text);
      const status = answer(bodies.length);
      if (status === 'hang') hanging.push(response);
      else response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function results(): { list: NotifyResult[]; until: (n: number) => Promise<void> } {
  const list: NotifyResult[] = [];
  return {
    list,
    until: async (n) => {
      const deadline = Date.now() + 10_000;
      while (list.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${list.length} results: ${list.join(',')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

describe('notification bodies', () => {
  it('gives Slack and Google Chat a text, Teams a MessageCard, and json the fields, with names and checksum prefixes only', () => {
    const text = 'confighash: rolled Deployment shop/web\nchanged: ConfigMap app-config (LOG_LEVEL)\nchecksum: v1.1111111111aa -> v1.2222222222bb\nAppConfig: shop/web';
    assert.deepEqual(notificationBody(ROLLOUT, 'slack'), { text });
    assert.deepEqual(notificationBody(ROLLOUT, 'googlechat'), { text });
    assert.deepEqual(notificationBody(ROLLOUT, 'teams'), { '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: 'rolled Deployment shop/web', text });
    assert.equal((notificationBody(ROLLOUT, 'json') as { event: string }).event, 'rollout');
    assert.equal(checksumPrefix('v1.36c31232.0123456789abcdef0123456789abcdef'), 'v1.36c31232.0123456789ab');
  });
});

describe('Notifier', () => {
  it('POSTs each notification once to a receiver that answers 200', async () => {
    const r = await receiver(() => 200);
    const got = results();
    const notifier = new Notifier({ url: r.url, format: 'json', onResult: (x) => got.list.push(x) });
    try {
      notifier.notify(ROLLOUT);
      notifier.notify({ ...ROLLOUT, event: 'halt' });
      await got.until(2);
      assert.deepEqual(got.list, ['sent', 'sent']);
      assert.deepEqual(r.bodies.map((b) => (JSON.parse(b) as { event: string }).event), ['rollout', 'halt']);
    } finally {
      await notifier.stop();
      await r.close();
    }
  });

  it('retries a 500 a bounded number of times, then gives up, never throwing', async () => {
    const r = await receiver((n) => (n < 3 ? 500 : 200));
    const got = results();
    const failures: string[] = [];
    const notifier = new Notifier({ url: r.url, format: 'slack', backoffMs: 10, attempts: 2, onResult: (x) => got.list.push(x), onFailure: (why) => failures.push(why) });
    try {
      notifier.notify(ROLLOUT);
      await got.until(1);
      assert.deepEqual(got.list, ['failed']);
      assert.equal(r.bodies.length, 2, 'two attempts in all');
      assert.deepEqual(failures, ['HTTP 500', 'HTTP 500']);
      assert.ok(failures.every((f) => !f.includes('127.0.0.1')), 'the URL is never in a failure');
    } finally {
      await notifier.stop();
      await r.close();
    }
  });

  it('gives up on a receiver that hangs after its timeout, and drops what does not fit in the queue, without ever blocking the caller', async () => {
    const r = await receiver(() => 'hang');
    const got = results();
    const notifier = new Notifier({ url: r.url, format: 'json', timeoutMs: 200, attempts: 1, queueLimit: 2, onResult: (x) => got.list.push(x) });
    try {
      for (let i = 0; i < 5; i++) notifier.notify({ ...ROLLOUT, summary: `n${i}` });
      assert.deepEqual(got.list, ['dropped', 'dropped', 'dropped'], 'notify returned before any send ended: two queued, three dropped');
      await got.until(5);
      assert.deepEqual([...got.list].sort(), ['dropped', 'dropped', 'dropped', 'failed', 'failed']);
    } finally {
      await notifier.stop();
      await r.close();
    }
  });
});
