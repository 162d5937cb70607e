import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../image/containers-env.sh');

/** The environment podman and buildah need on this kind of VM: CONTAINERS_CONF from scripts/image/containers-env.sh (ulimits, runc). */
export async function podmanEnv(): Promise<NodeJS.ProcessEnv> {
  const { stdout } = await run(SCRIPT);
  const conf = /^export CONTAINERS_CONF=(.+)$/m.exec(stdout)?.[1];
  if (!conf) throw new Error(`${SCRIPT} printed no CONTAINERS_CONF: ${stdout}`);
  return { ...process.env, CONTAINERS_CONF: conf };
}
