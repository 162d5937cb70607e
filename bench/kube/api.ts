import { readFile } from 'node:fs/promises';
import { Agent, fetch, type Response } from 'undici';
import { parse } from 'yaml';

/** A failed API call; `retryable` for throttling, server errors and dropped connections. */
export class ApiError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.retryable = status === 0 || status === 429 || status >= 500;
  }
}

export type PatchType = 'json' | 'merge';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
};

interface KubeconfigDocument {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
  users?: { name: string; user: { token?: string } }[];
}

/**
 * The bench's own API client: plain fetch over one keep-alive connection pool, with the
 * admin kubeconfig's bearer token and CA. No model classes, so the bench costs little CPU
 * next to the controller it measures, and so the floor client is as lean as it can be.
 */
export class KubeApi {
  readonly server: string;
  readonly #token: string;
  readonly #agent: Agent;

  constructor(server: string, caPem: string, token: string, connections = 32) {
    this.server = server;
    this.#token = token;
    this.#agent = new Agent({ connect: { ca: caPem }, connections, keepAliveTimeout: 30_000, bodyTimeout: 0 });
  }

  static async fromKubeconfig(file: string): Promise<KubeApi> {
    const doc = parse(await readFile(file, 'utf8')) as KubeconfigDocument;
    const context = doc.contexts?.find((c) => c.name === doc['current-context'])?.context;
    const cluster = doc.clusters?.find((c) => c.name === context?.cluster)?.cluster;
    const token = doc.users?.find((u) => u.name === context?.user)?.user.token;
    const caData = cluster?.['certificate-authority-data'];
    if (!cluster || !caData || !token) throw new Error(`${file}: the current context needs a server, CA data and a token`);
    return new KubeApi(cluster.server, Buffer.from(caData, 'base64').toString('utf8'), token);
  }

  /** A streaming response (watches, /metrics); the caller reads and closes the body. */
  async open(path: string, init: { method?: string; body?: string; contentType?: string; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    if (init.contentType) headers['content-type'] = init.contentType;
    let response: Response;
    try {
      response = await fetch(this.server + path, {
        method: init.method ?? 'GET',
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        dispatcher: this.#agent,
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(`${init.method ?? 'GET'} ${path}: ${(error as Error).message}`, 0, { cause: error });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new ApiError(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`, response.status);
    }
    return response;
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return (await (await this.open(path, signal ? { signal } : {})).json()) as T;
  }

  async text(path: string): Promise<string> {
    return (await this.open(path)).text();
  }

  async create<T>(collectionPath: string, body: unknown): Promise<T> {
    const response = await this.open(collectionPath, { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' });
    return (await response.json()) as T;
  }

  async patch<T>(path: string, type: PatchType, body: unknown): Promise<T> {
    const response = await this.open(path, { method: 'PATCH', body: JSON.stringify(body), contentType: PATCH_CONTENT_TYPE[type] });
    return (await response.json()) as T;
  }

  async delete(path: string): Promise<void> {
    await (await this.open(path, { method: 'DELETE' })).text();
  }

  /** Every item of a collection, 500 per page, and the list's resourceVersion. */
  async listAll<T>(collectionPath: string, query: Record<string, string> = {}): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let continueToken = '';
    let resourceVersion = '';
    do {
      const params = new URLSearchParams({ ...query, limit: '500', ...(continueToken ? { continue: continueToken } : {}) });
      const page = await this.get<{ items?: T[]; metadata?: { continue?: string; resourceVersion?: string } }>(`${collectionPath}?${params}`);
      items.push(...(page.items ?? []));
      continueToken = page.metadata?.continue ?? '';
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (continueToken);
    return { items, resourceVersion };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
