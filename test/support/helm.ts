// The real helm CLI (scripts/controlplane/build-helm.sh builds it from helm.sh/helm/v4) for
// the chart tests. Tests never build it: CI does (.ci/run); without it they say how to get it.
import { execFile } from 'node:child_process';
import { access, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, parseManifests, type Manifest } from '../../scripts/lib/kustomize.ts';

const run = promisify(execFile);
const exists = promisify(access);

export const CHART_DIR = join(REPO_ROOT, 'charts/confighash');
export const HELM_BUILD_SCRIPT = join(REPO_ROOT, 'scripts/controlplane/build-helm.sh');

/** helm from build-helm.sh's cache, or why it is not there. */
export async function findHelm(): Promise<{ path: string } | { missing: string }> {
  const { stdout } = await run('bash', [HELM_BUILD_SCRIPT, '--print-dir']);
  const binDir = stdout.trim();
  const path = join(binDir, 'helm');
  try {
    await exists(join(binDir, '.complete'), constants.F_OK);
    await exists(path, constants.X_OK);
    return { path };
  } catch {
    return { missing: `helm is not built (no ${path}); build it with scripts/controlplane/build-helm.sh (Go on PATH), as .ci/run does` };
  }
}

export interface HelmResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface HelmOptions {
  kubeconfig?: string;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

/** Runs one helm binary with its config, cache and data in a directory of this process's own. */
export class Helm {
  private readonly home = mkdtempSync(join(tmpdir(), 'confighash-helm-'));
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  run(args: string[], opts: HelmOptions = {}): Promise<HelmResult> {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: this.home,
      HELM_CONFIG_HOME: join(this.home, 'config'),
      HELM_CACHE_HOME: join(this.home, 'cache'),
      HELM_DATA_HOME: join(this.home, 'data'),
      ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}),
    };
    return new Promise((resolve, reject) => {
      execFile(this.path, args, { env, timeout: opts.timeoutMs ?? 180_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (code !== 0 && !opts.allowFailure) {
          reject(new Error(`helm ${args.join(' ')} failed (exit ${code}): ${stderr.trim() || error?.message}`, { cause: error }));
          return;
        }
        resolve({ stdout, stderr, code });
      });
    });
  }

  /** `helm template` of a chart (default charts/confighash) with `--set`/`-f` style arguments. */
  async template(valueArgs: string[] = [], opts: { release?: string; chart?: string; withTests?: boolean } = {}): Promise<Manifest[]> {
    const args = ['template', opts.release ?? 'confighash', opts.chart ?? CHART_DIR, ...(opts.withTests ? [] : ['--skip-tests']), ...valueArgs];
    return parseManifests((await this.run(args)).stdout);
  }
}

/** `--set` arguments from pairs, e.g. setArgs({ 'watch.allNamespaces': 'false' }). */
export function setArgs(values: Record<string, string | number | boolean>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--set', `${key}=${String(value)}`]);
}
