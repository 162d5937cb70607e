import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ScrapeAuthorizer } from './secure-metrics.ts';

export interface HealthServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  registry: Registry;
  isReady: () => boolean;
  isAlive: () => boolean;
  logger: Logger;
  /** Why the controller is not ready yet, shown by /readyz with the 503. */
  notReadyReason?: () => string;
  /** --metrics-secure: serve HTTPS, and let only authorized scrapes read /metrics. */
  secure?: { cert: string; key: string; authorize: ScrapeAuthorizer };
}

export interface HealthServer {
  /** The port actually bound. */
  port: number;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';

/**
 * Serves /healthz (liveness), /readyz (readiness, 503 with a reason until
 * ready) and /metrics (Prometheus text) on one address.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { host, port, logger } = options;
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(options, request, response).catch((error: unknown) => {
      logger.error({ err: error, path: request.url }, 'health endpoint failed');
      if (!response.headersSent) send(request, response, 500, 'internal error\n');
      else response.destroy();
    });
  };
  const server = options.secure ? createHttpsServer({ cert: options.secure.cert, key: options.secure.key }, listener) : createServer(listener);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'health server error'));

  const bound = (server.address() as AddressInfo).port;
  logger.info({ host, port: bound, secure: options.secure !== undefined }, options.secure ? 'serving /healthz, /readyz and /metrics (HTTPS; /metrics for authorized scrapes only)' : 'serving /healthz, /readyz and /metrics');

  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections (Prometheus, kubelet) would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function handle(options: HealthServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    send(request, response, 405, 'method not allowed\n');
    return;
  }
  const path = new URL(request.url ?? '/', 'http://health.invalid').pathname;
  switch (path) {
    case '/healthz':
      if (options.isAlive()) send(request, response, 200, 'ok\n');
      else send(request, response, 500, 'not alive\n');
      return;
    case '/readyz':
      if (options.isReady()) send(request, response, 200, 'ok\n');
      else send(request, response, 503, `not ready: ${options.notReadyReason?.() ?? 'starting'}\n`);
      return;
    case '/metrics': {
      if (options.secure) {
        const verdict = await options.secure.authorize(request.headers.authorization);
        if (!verdict.allowed) {
          options.logger.debug({ status: verdict.status, reason: verdict.reason }, 'refused a scrape of /metrics');
          send(request, response, verdict.status, verdict.status === 401 ? 'unauthorized\n' : 'forbidden\n');
          return;
        }
      }
      const body = await options.registry.metrics();
      send(request, response, 200, body, options.registry.contentType);
      return;
    }
    default:
      send(request, response, 404, 'not found: try /healthz, /readyz or /metrics\n');
  }
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  body: string,
  contentType = TEXT,
): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  response.end(request.method === 'HEAD' ? undefined : body);
}
