import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { INITIAL_EVENTS_END, listWatch, type KubeObject, type ListWatchHandlers } from '../../../src/k8s/list-watch.ts';
import { createLogger } from '../../../src/observability/logger.ts';

/*
 * A scripted apiserver: the real one serves watch-lists, so the fallbacks (a 422 where the
 * WatchList feature is off, a server that ignores sendInitialEvents) need a double.
 */

type Reply = (res: ServerResponse, url: URL) => void;

interface FakeApiserver {
  kubeConfig: KubeConfig;
  /** Query strings of the requests so far, without the path. */
  requests: URLSearchParams[];
  close(): Promise<void>;
}

async function fakeApiserver(replies: Reply[]): Promise<FakeApiserver> {
  const requests: URLSearchParams[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.searchParams);
    const reply = replies.shift();
    if (reply) reply(res, url);
    // Out of script: a watch that stays open and quiet until the test stops.
    else res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    // skipTLSVerify: client-node refuses plain HTTP without it.
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'nobody' }],
    currentContext: 'fake',
  });
  return {
    kubeConfig,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const object = (name: string, resourceVersion: string): KubeObject => ({ metadata: { namespace: 'ns', name, resourceVersion } });
const event = (type: string, body: object): string => `${JSON.stringify({ type, object: body })}\n`;
const endMarker = (resourceVersion: string): string =>
  event('BOOKMARK', { metadata: { resourceVersion, annotations: { [INITIAL_EVENTS_END]: 'true' } } });

/** A watch response: these lines, then the stream stays open (or ends with `end`). */
function stream(lines: string[], { end = false } = {}): Reply {
  return (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (const line of lines) res.write(line);
    if (end) res.end();
  };
}

function status(code: number, message: string): Reply {
  return (res) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message }));
  };
}

function listPage(items: KubeObject[], resourceVersion: string, continueToken?: string): Reply {
  return (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion, ...(continueToken ? { continue: continueToken } : {}) }, items }));
  };
}

/** Records every handler call in order, as short strings. */
function recordingHandlers(): { calls: string[]; handlers: ListWatchHandlers } {
  const calls: string[] = [];
  return {
    calls,
    handlers: {
      upsert: (o, observation) => calls.push(`upsert ${observation} ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
      delete: (o) => calls.push(`delete ${o.metadata?.name}`),
      replaced: (keys) => calls.push(`replaced ${[...keys].sort().join(',')}`),
    },
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('listWatch', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(replies: Reply[]): Promise<{ apiserver: FakeApiserver; calls: string[]; synced: Promise<void> }> {
    const apiserver = await fakeApiserver(replies);
    const { calls, handlers } = recordingHandlers();
    const stop = new AbortController();
    const { synced, done } = listWatch({
      kubeConfig: apiserver.kubeConfig,
      path: '/api/v1/configmaps',
      resource: 'configmaps',
      handlers,
      logger: createLogger('silent'),
      signal: stop.signal,
      onStartUpError: (error, verb) => calls.push(`start-up error ${verb} ${(error as { statusCode?: number }).statusCode ?? (error as { code?: number }).code}`),
    });
    void synced.then(() => calls.push('synced'));
    cleanups.push(async () => {
      stop.abort();
      await done;
      await apiserver.close();
    });
    return { apiserver, calls, synced };
  }

  it('streams the initial state as list observations, replaces with their keys, is synced after that, then watches on the same stream', async () => {
    const { apiserver, calls, synced } = await start([
      stream([event('ADDED', object('a', '3')), event('ADDED', object('b', '5')), endMarker('9'), event('MODIFIED', object('a', '10'))]),
    ]);
    await synced;
    await until(() => calls.includes('upsert watch a@10'), 'the event after the end marker');
    // `synced` settles asynchronously: the live event may be handled first, which the controller allows for.
    assert.deepEqual(calls.filter((call) => call !== 'synced'), ['upsert list a@3', 'upsert list b@5', 'replaced ns/a,ns/b', 'upsert watch a@10']);
    assert.ok(calls.indexOf('synced') > calls.indexOf('replaced ns/a,ns/b'));
    const [request] = apiserver.requests;
    assert.equal(request?.get('watch'), 'true');
    assert.equal(request?.get('sendInitialEvents'), 'true');
    assert.equal(request?.get('resourceVersionMatch'), 'NotOlderThan');
    assert.equal(request?.get('allowWatchBookmarks'), 'true');
    assert.equal(request?.has('resourceVersion'), false, 'a consistent read, as fresh as a LIST');
    assert.equal(apiserver.requests.length, 1, 'no LIST at all');
  });

  it('resumes a closed watch from the end marker resourceVersion, not from an initial object', async () => {
    const { apiserver, synced } = await start([stream([event('ADDED', object('a', '3')), endMarker('9')], { end: true })]);
    await synced;
    await until(() => apiserver.requests.length === 2, 'the resumed watch');
    assert.equal(apiserver.requests[1]?.get('resourceVersion'), '9');
    assert.equal(apiserver.requests[1]?.has('sendInitialEvents'), false);
  });

  it('lists in pages when the apiserver rejects the watch-list (422 with the WatchList feature off), then watches from the list', async () => {
    const { apiserver, calls, synced } = await start([
      status(422, 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled'),
      listPage([object('a', '3')], '9', 'next'),
      listPage([object('b', '5')], '9'),
    ]);
    await synced;
    assert.deepEqual(calls, ['upsert list a@3', 'upsert list b@5', 'replaced ns/a,ns/b', 'synced']);
    await until(() => apiserver.requests.length === 4, 'the watch after the list');
    assert.equal(apiserver.requests[1]?.get('limit'), '500');
    assert.equal(apiserver.requests[2]?.get('continue'), 'next');
    assert.equal(apiserver.requests[3]?.get('resourceVersion'), '9');
  });

  it('reports a 403 or 404 on the watch-list as a start-up error of the watch, and streams the initial state again once allowed, without falling back to pages', async () => {
    const { apiserver, calls, synced } = await start([
      status(403, 'configmaps is forbidden'),
      status(404, 'the server could not find the requested resource'),
      stream([event('ADDED', object('a', '3')), endMarker('9')]),
    ]);
    await synced;
    assert.deepEqual(calls, ['start-up error watch 403', 'start-up error watch 404', 'upsert list a@3', 'replaced ns/a', 'synced']);
    assert.equal(apiserver.requests[2]?.get('sendInitialEvents'), 'true', 'still a watch-list, not a paged LIST');
  });

  it('lists in pages when a bookmark comes before the end marker (a server that ignored sendInitialEvents)', async () => {
    const { apiserver, calls, synced } = await start([
      stream([event('ADDED', object('a', '3')), event('BOOKMARK', { metadata: { resourceVersion: '9' } })]),
      listPage([object('a', '3')], '9'),
    ]);
    await synced;
    assert.deepEqual(calls, ['upsert list a@3', 'upsert list a@3', 'replaced ns/a', 'synced']);
    assert.equal(apiserver.requests[1]?.get('limit'), '500');
  });

  it('after 410 Gone streams the initial state again, and replaced drops what went away meanwhile', async () => {
    const { apiserver, calls, synced } = await start([
      stream([event('ADDED', object('a', '3')), event('ADDED', object('b', '5')), endMarker('9')], { end: true }),
      stream([event('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' })]),
      stream([event('ADDED', object('b', '12')), endMarker('20')]),
    ]);
    await synced;
    await until(() => calls.includes('replaced ns/b'), 'the second initial state');
    assert.deepEqual(calls.slice(4), ['upsert list b@12', 'replaced ns/b']);
    assert.equal(apiserver.requests[2]?.get('sendInitialEvents'), 'true');
  });

  it('starts over with a fresh initial state when a handler throws on an initial event', async () => {
    const apiserver = await fakeApiserver([
      stream([event('ADDED', object('a', '3')), event('ADDED', object('b', '5')), endMarker('9')]),
      stream([event('ADDED', object('a', '3')), event('ADDED', object('b', '5')), endMarker('9')]),
    ]);
    const calls: string[] = [];
    let failOnce = true;
    const stop = new AbortController();
    const errors: unknown[] = [];
    const { synced, done } = listWatch({
      kubeConfig: apiserver.kubeConfig,
      path: '/api/v1/configmaps',
      resource: 'configmaps',
      handlers: {
        upsert: (o, observation) => {
          if (o.metadata?.name === 'b' && failOnce) {
            failOnce = false;
            throw new Error('store refused b');
          }
          calls.push(`upsert ${observation} ${o.metadata?.name}`);
        },
        delete: () => undefined,
        replaced: (keys) => calls.push(`replaced ${[...keys].sort().join(',')}`),
      },
      logger: createLogger('silent'),
      signal: stop.signal,
      onHandlerError: (error) => errors.push(error),
    });
    cleanups.push(async () => {
      stop.abort();
      await done;
      await apiserver.close();
    });
    await synced;
    assert.equal(errors.length, 1);
    assert.deepEqual(calls, ['upsert list a', 'upsert list a', 'upsert list b', 'replaced ns/a,ns/b']);
    assert.equal(apiserver.requests[1]?.get('sendInitialEvents'), 'true');
  });
});
