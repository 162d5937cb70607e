import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeApi } from './kube/api.ts';

/**
 * A CPU profile of kube-apiserver (its /debug/pprof/profile, served to the admin user) over
 * the next `seconds`, written to `dir/file` in pprof's format for `go tool pprof -top`.
 * Resolves to the file's path.
 */
export async function captureApiserverProfile(api: KubeApi, dir: string, file: string, seconds: number): Promise<string> {
  const response = await api.open(`/debug/pprof/profile?seconds=${seconds}`);
  const profile = Buffer.from(await response.arrayBuffer());
  await mkdir(dir, { recursive: true });
  const path = join(dir, file);
  await writeFile(path, profile);
  return path;
}
