import { ApiError, type KubeApi } from './api.ts';
import { paths } from './objects.ts';

interface CrdObject {
  status?: { conditions?: { type?: string; status?: string }[] };
}

/** Resolves once the CustomResourceDefinition `name` is Established: its collection can be listed and watched. */
export async function waitForCrdEstablished(api: KubeApi, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const crd = await api.get<CrdObject>(paths.crd(name)).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    });
    if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (performance.now() > deadline) throw new Error(`the CustomResourceDefinition ${name} was not Established within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
