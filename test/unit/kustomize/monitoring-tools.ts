// Where the monitoring tests find the pinned upstream binaries. They never build them:
// CI does (.ci/run), and a test without its binary says how to get it and skips.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './manifests.ts';

const run = promisify(execFile);

export const PROMTOOL_BUILD_SCRIPT = join(repoRoot, 'scripts/controlplane/build-promtool.sh');

async function usable(path: string, mode = constants.X_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** promtool from build-promtool.sh's cache, or why it is not there. */
export async function findPromtool(): Promise<{ path: string } | { missing: string }> {
  const { stdout } = await run('bash', [PROMTOOL_BUILD_SCRIPT, '--print-dir']);
  const binDir = stdout.trim();
  const path = join(binDir, 'promtool');
  if ((await usable(join(binDir, '.complete'), constants.F_OK)) && (await usable(path))) return { path };
  return { missing: `promtool is not built (no ${path}); build it with scripts/controlplane/build-promtool.sh (Go on PATH), as .ci/run does` };
}

/** The control plane's bin directory with the pinned kustomize, when a test run names it. */
export async function findKustomizeBinDir(): Promise<{ binDir: string } | { missing: string }> {
  const binDir = process.env.CONFIGHASH_TEST_BIN ?? process.env.CONFIGHASH_CONTROLPLANE_BIN;
  if (binDir && (await usable(join(binDir, 'kustomize')))) return { binDir };
  return {
    missing:
      'no kustomize binary: `npm test` provides the control plane one (CONFIGHASH_TEST_BIN); ' +
      'for `npm run test:unit`, set CONFIGHASH_CONTROLPLANE_BIN to the bin directory scripts/controlplane/build.sh prints',
  };
}
