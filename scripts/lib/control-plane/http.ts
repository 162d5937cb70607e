import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpOptions {
  method?: string;
  /** PEM to trust; without it and without `insecure`, the system roots apply. */
  ca?: string;
  /**
   * Skip certificate verification. Only for the health endpoints of loopback components
   * that serve a certificate they generated in memory.
   */
  insecure?: boolean;
  token?: string;
  body?: unknown;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** A minimal HTTP(S) client for health checks and the few API calls the control plane makes itself. */
export function httpCall(url: string, opts: HttpOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: opts.method ?? 'GET',
        headers,
        timeout: opts.timeoutMs ?? 5000,
        ...(target.protocol === 'https:' ? { ca: opts.ca, rejectUnauthorized: !opts.insecure } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
