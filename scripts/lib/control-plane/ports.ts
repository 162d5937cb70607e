import { createServer } from 'node:net';

export class PortInUseError extends Error {
  readonly retryable = true;
  readonly port: number;
  readonly purpose: string;
  constructor(port: number, purpose: string, options?: ErrorOptions) {
    super(`port ${port} on 127.0.0.1 (${purpose}) is already in use by another process`, options);
    this.name = 'PortInUseError';
    this.port = port;
    this.purpose = purpose;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** Throws PortInUseError when something already listens on 127.0.0.1:port. */
export async function assertPortFree(port: number, purpose: string): Promise<void> {
  try {
    await listenOnce(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port, purpose, { cause: error });
    throw error;
  }
}

/**
 * One distinct free loopback port per name, chosen by the kernel. A port can still be
 * taken between this call and the component binding it; the component's start error
 * then says so.
 */
export async function allocatePorts<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  const ports = {} as Record<Name, number>;
  const taken = new Set<number>();
  for (const name of names) {
    let port = await listenOnce(0);
    while (taken.has(port)) port = await listenOnce(0);
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}
