import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describeStep, PEERS, type PeerDefinition, type PeerName } from './catalogue.ts';
import type { PeerSource } from './spec.ts';

const run = promisify(execFile);

/** What the report says about a peer's binary: where it came from and how it was made. */
export interface PeerBuildInfo {
  repository: string;
  source_dir: string;
  commit: string;
  /** The release tag of that commit, when the catalogue knows it; the VERSION file beside it, if the source has one. */
  version: string;
  version_file?: string;
  go_version: string;
  /** The commands, in order, run in a writable copy of the source. */
  commands: string[];
  replaces: string[];
  binary: string;
  binary_bytes: number;
  binary_sha256: string;
  /** How long the build took when it ran (a cached binary keeps its original figure). */
  build_s: number;
  built_at: string;
  /** True when this run reused the cached binary. */
  cached: boolean;
}

export type PeerBuild = { name: PeerName; ok: true; info: PeerBuildInfo } | { name: PeerName; ok: false; source_dir: string; commit?: string; error: string };

export class PeerBuildError extends Error {
  readonly retryable = false;
}

/** `${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/confighash}`, as scripts/controlplane/build.sh uses. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONFIGHASH_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'confighash');
}

/** go is found on PATH or in /usr/local/go/bin, where the control-plane build finds it too. */
function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = process.env.PATH ?? '';
  const goBin = '/usr/local/go/bin';
  const hasGo = path.split(delimiter).some((dir) => existsSync(join(dir, 'go')));
  return { ...process.env, PATH: hasGo || !existsSync(goBin) ? path : `${path}${delimiter}${goBin}`, ...extra };
}

/**
 * The commit of the checkout: given with @COMMIT, or asked of git when `dir` is the top of a
 * git work tree (not a directory inside some other repository, whose HEAD would be wrong).
 */
export async function resolveCommit(source: PeerSource): Promise<string> {
  if (source.commit) return source.commit;
  const refusal = `${source.dir} is not the top of a git work tree (a git archive has no .git): give its commit as --peers ${source.name}=${source.dir}@COMMIT`;
  let top: string;
  let head: string;
  try {
    top = (await run('git', ['-C', source.dir, 'rev-parse', '--show-toplevel'])).stdout.trim();
    head = (await run('git', ['-C', source.dir, 'rev-parse', 'HEAD'])).stdout.trim();
  } catch (error) {
    throw new PeerBuildError(refusal, { cause: error });
  }
  if ((await realpath(top)) !== (await realpath(source.dir))) throw new PeerBuildError(refusal);
  return head;
}

/** Builds each peer, or takes it from the cache; a failed build is reported with its error, not dropped. */
export async function buildPeers(sources: PeerSource[], log: (line: string) => void): Promise<PeerBuild[]> {
  const builds: PeerBuild[] = [];
  for (const source of sources) {
    let commit: string | undefined;
    try {
      commit = await resolveCommit(source);
      const info = await ensurePeerBinary(PEERS[source.name], resolve(source.dir), commit, log);
      log(`peer ${source.name}: ${info.cached ? 'cached' : `built in ${info.build_s} s`}: ${info.binary}`);
      builds.push({ name: source.name, ok: true, info });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`peer ${source.name}: BUILD FAILED: ${message}`);
      builds.push({ name: source.name, ok: false, source_dir: source.dir, ...(commit ? { commit } : {}), error: message });
    }
  }
  return builds;
}

/**
 * ~/.cache/confighash/peers/<name>-<commit>/bin/<output>, built once. The cache entry also
 * holds build.json; a changed recipe (commands) rebuilds. The source directory is copied to a
 * temporary directory first: `go mod edit` and -mod=mod write go.mod and go.sum.
 */
export async function ensurePeerBinary(peer: PeerDefinition, sourceDir: string, commit: string, log: (line: string) => void): Promise<PeerBuildInfo> {
  const entry = join(cacheRoot(), 'peers', `${peer.name}-${commit}`);
  const binary = join(entry, 'bin', peer.build.output);
  const infoFile = join(entry, 'build.json');
  const commands = peer.build.steps.map(describeStep);
  const cached = await readCachedInfo(infoFile, binary, commands);
  if (cached) return { ...cached, source_dir: sourceDir, cached: true };

  if (!existsSync(sourceDir)) throw new PeerBuildError(`source directory ${sourceDir} does not exist`);
  const versionFile = await readFile(join(sourceDir, 'VERSION'), 'utf8').then((s) => s.trim(), () => undefined);
  const work = await mkdtemp(join(tmpdir(), `confighash-peer-${peer.name}-`));
  try {
    log(`peer ${peer.name}: building ${commit.slice(0, 12)} from ${sourceDir} (copied to ${work}): ${commands.join(' && ')}`);
    await cp(sourceDir, work, { recursive: true });
    const started = performance.now();
    for (const step of peer.build.steps) await goStep(step, work);
    const buildS = Math.round(performance.now() - started) / 1000;
    await mkdir(join(entry, 'bin'), { recursive: true });
    // Into place in one rename, so an interrupted build leaves no half binary behind.
    await cp(join(work, peer.build.output), `${binary}.partial`);
    await rename(`${binary}.partial`, binary);
    const bytes = await readFile(binary);
    const info: PeerBuildInfo = {
      repository: peer.repository,
      source_dir: sourceDir,
      commit,
      version: peer.knownTags[commit] ?? 'untagged',
      ...(versionFile ? { version_file: versionFile } : {}),
      go_version: await goVersion(),
      commands,
      replaces: peer.replaces,
      binary,
      binary_bytes: (await stat(binary)).size,
      binary_sha256: createHash('sha256').update(bytes).digest('hex'),
      build_s: buildS,
      built_at: new Date().toISOString(),
      cached: false,
    };
    await writeFile(infoFile, `${JSON.stringify(info, null, 2)}\n`);
    return info;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readCachedInfo(infoFile: string, binary: string, commands: string[]): Promise<PeerBuildInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(infoFile, 'utf8')) as PeerBuildInfo;
    await stat(binary);
    return JSON.stringify(info.commands) === JSON.stringify(commands) ? info : undefined;
  } catch {
    return undefined;
  }
}

async function goVersion(): Promise<string> {
  const { stdout } = await run('go', ['version'], { env: goEnv() });
  return stdout.trim();
}

/** Runs one go command; on failure the error carries the command and the end of its output, verbatim. */
async function goStep(step: GoStep, cwd: string): Promise<void> {
  const child = spawn('go', step.args, { cwd, env: goEnv(step.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  });
  if (code !== 0) {
    const tail = output.trim().split('\n').slice(-30).join('\n');
    throw new PeerBuildError(`\`${describeStep(step)}\` exited with ${code}:\n${tail}`);
  }
}

type GoStep = PeerDefinition['build']['steps'][number];
