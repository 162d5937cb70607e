import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTROL_PLANE_BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kustomize',
  'kwok',
] as const;
export type ControlPlaneBinary = (typeof CONTROL_PLANE_BINARIES)[number];

export const BUILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../controlplane/build.sh');

export class ControlPlaneBuildError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ControlPlaneBuildError';
  }
}

export class MissingBinariesError extends Error {
  readonly retryable = false;
  readonly binDir: string;
  readonly missing: string[];
  constructor(binDir: string, missing: string[]) {
    super(
      `control-plane binaries missing or not executable in ${binDir}: ${missing.join(', ')}. ` +
        `Rebuild with scripts/controlplane/build.sh (delete ${join(binDir, '.complete')} first to force it).`,
    );
    this.name = 'MissingBinariesError';
    this.binDir = binDir;
    this.missing = missing;
  }
}

export function missingBinaries(binDir: string): string[] {
  return CONTROL_PLANE_BINARIES.filter((name) => {
    try {
      accessSync(join(binDir, name), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

export function assertBinaries(binDir: string): string {
  const missing = missingBinaries(binDir);
  if (missing.length > 0) throw new MissingBinariesError(binDir, missing);
  return binDir;
}

/** build.sh needs `go`; the usual install location is added when PATH lacks it. */
function buildEnv(): NodeJS.ProcessEnv {
  const path = process.env.PATH ?? '';
  const goBin = '/usr/local/go/bin';
  const hasGo = path.split(delimiter).some((dir) => existsSync(join(dir, 'go')));
  return { ...process.env, PATH: hasGo || !existsSync(goBin) ? path : `${path}${delimiter}${goBin}` };
}

/**
 * The directory holding the pinned upstream binaries. Runs build.sh, which returns at
 * once when the build is cached and otherwise builds (minutes when cold); its progress
 * lines go to `log`. `CONFIGHASH_CONTROLPLANE_BIN` skips the script and names the directory.
 */
export async function ensureBinaries({ log = () => {} }: { log?: (line: string) => void } = {}): Promise<string> {
  const override = process.env.CONFIGHASH_CONTROLPLANE_BIN;
  if (override) return assertBinaries(resolve(override));

  const child = spawn('bash', [BUILD_SCRIPT], { env: buildEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const stderrTail: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stderrTail.push(line);
      if (stderrTail.length > 40) stderrTail.shift();
      log(line);
    }
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  });
  if (partial) stderrTail.push(partial);
  if (code !== 0) {
    throw new ControlPlaneBuildError(
      `building the control plane failed (${BUILD_SCRIPT} exited with ${code}). Last output:\n${stderrTail.join('\n')}`,
    );
  }
  const binDir = stdout.trim().split('\n').pop() ?? '';
  if (binDir === '') throw new ControlPlaneBuildError(`${BUILD_SCRIPT} printed no bin directory`);
  return assertBinaries(binDir);
}
