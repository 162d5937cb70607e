import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { InvalidReviewError } from './admission-review.ts';
import type { TlsMaterial } from './self-signed-certificate.ts';

export const MUTATE_PATH = '/mutate';

/** The apiserver sends at most two objects of its own request limit (3 MiB) and some framing. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/**
 * Longer than the idle timeout of the apiserver's webhook client (90 s), so the client closes
 * an idle connection first: a request sent on a connection the server is closing just then
 * fails, and with failurePolicy Ignore it would be admitted silently without its patch.
 */
const KEEP_ALIVE_MS = 120_000;

export interface WebhookServerOptions {
  host: string;
  /** 0 picks a free port (tests, the bench). */
  port: number;
  tls: TlsMaterial;
  /** Answers one parsed JSON body; InvalidReviewError becomes a 400, anything else a 500. */
  answer: (body: unknown) => object;
  /** After each request to /mutate: how long it took from its arrival to its answer, and the status. */
  onAnswered?: (seconds: number, status: number) => void;
  logger: Logger;
}

export interface WebhookServer {
  /** The port actually bound. */
  readonly port: number;
  /** Serves a renewed certificate from the next TLS handshake on. */
  setCertificate(tls: TlsMaterial): void;
  close(): Promise<void>;
}

/** HTTPS for the apiserver: POST /mutate with an AdmissionReview, over kept-alive connections. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { host, port, logger } = options;
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, (request, response) => {
    const started = performance.now();
    serve(options, request, response)
      .catch((error: unknown) => {
        logger.error({ err: error }, 'admission webhook request failed');
        if (!response.headersSent) reply(response, 500, { message: 'internal error' });
        else response.destroy();
      })
      .finally(() => {
        if (request.url?.split('?')[0] === MUTATE_PATH) options.onAnswered?.((performance.now() - started) / 1000, response.statusCode);
      });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 5000;
  server.on('tlsClientError', (error) => logger.debug({ err: error }, 'admission webhook TLS handshake failed'));

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'admission webhook server error'));
  const bound = (server.address() as AddressInfo).port;
  logger.info({ host, port: bound, path: MUTATE_PATH }, 'serving the admission webhook');

  return {
    port: bound,
    setCertificate: (tls) => server.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function serve(options: WebhookServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.url?.split('?')[0] !== MUTATE_PATH) return reply(response, 404, { message: `POST an AdmissionReview to ${MUTATE_PATH}` });
  if (request.method !== 'POST') return reply(response, 405, { message: `POST an AdmissionReview to ${MUTATE_PATH}` });
  const text = await readBody(request);
  if (text === undefined) return reply(response, 413, { message: `the body is larger than ${MAX_BODY_BYTES} bytes` });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return reply(response, 400, { message: 'the body is not JSON' });
  }
  try {
    reply(response, 200, options.answer(body));
  } catch (error) {
    if (!(error instanceof InvalidReviewError)) throw error;
    reply(response, 400, { message: error.message });
  }
}

/** The whole body as text, or undefined when it is too large (the rest is drained, not kept). */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
