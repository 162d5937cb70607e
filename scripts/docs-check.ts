// `npm run docs:check`: runs every command a reader would copy. It takes the fenced blocks
// marked `sh runnable` from README.md and then docs/*.md (in name order), and runs each with
// bash -e -o pipefail, in that order, against one local control plane (started as
// `npm test` starts it, or the one of CONFIGHASH_TEST_KUBECONFIG), in a scratch copy of the
// checkout, with kubectl, kustomize and Node 24 on PATH. It stops at the first block that
// exits non-zero and names its file and line. The controller's pod, which kwok only
// simulates, is run by a stand-in (scripts/lib/docs/controller-stand-in.ts).
import { spawn, execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinaries, startControlPlane, type ControlPlane } from './lib/control-plane/index.ts';
import { startControllerStandIn } from './lib/docs/controller-stand-in.ts';
import { runnableBlocks, type RunnableBlock } from './lib/docs/runnable-blocks.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BLOCK_TIMEOUT_MS = 300_000;

function say(line: string): void {
  console.error(`[docs:check] ${line}`);
}

async function allBlocks(): Promise<RunnableBlock[]> {
  const docs = (await readdir(join(REPO, 'docs'))).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`);
  const files = ['README.md', ...docs];
  const blocks: RunnableBlock[] = [];
  for (const file of files) blocks.push(...runnableBlocks(file, await readFile(join(REPO, file), 'utf8')));
  return blocks;
}

/** The checkout as git sees it (committed or not, ignored files left out), so blocks may write files freely. */
async function scratchCheckout(into: string): Promise<string> {
  const checkout = join(into, 'confighash');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    await mkdir(join(checkout, dirname(file)), { recursive: true });
    await cp(join(REPO, file), join(checkout, file), { verbatimSymlinks: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the work tree, not yet in git
    });
  }
  await symlink(join(REPO, 'node_modules'), join(checkout, 'node_modules'));
  return checkout;
}

function runBlock(block: RunnableBlock, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', block.code], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let atLineStart = true;
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      process.stderr.write(text.replace(/(^|\n)(?=.)/g, (match, newline: string, offset: number) => (offset === 0 && !atLineStart ? match : `${newline}    `)));
      atLineStart = text.endsWith('\n');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      output += `\n(killed after ${BLOCK_TIMEOUT_MS / 1000} s)\n`;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, BLOCK_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

async function main(): Promise<number> {
  const began = Date.now();
  const blocks = await allBlocks();
  if (blocks.length === 0) throw new Error('no `sh runnable` block in README.md or docs/*.md');
  say(`${blocks.length} runnable blocks in ${new Set(blocks.map((b) => b.file)).size} files`);

  const scratch = await mkdtemp(join(tmpdir(), 'confighash-docs-check-'));
  const interruption = new AbortController();
  let cluster: ControlPlane | undefined;
  let standIn: ReturnType<typeof startControllerStandIn> | undefined;
  const onSignal = () => interruption.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const binDir = process.env.CONFIGHASH_TEST_BIN ?? (await ensureBinaries({ log: say }));
    let kubeconfig = process.env.CONFIGHASH_TEST_KUBECONFIG;
    if (kubeconfig) {
      say(`reusing the cluster of CONFIGHASH_TEST_KUBECONFIG=${kubeconfig}`);
    } else {
      cluster = await startControlPlane({ dataDir: join(scratch, 'cluster'), binDir, log: say });
      kubeconfig = cluster.kubeconfig;
      say(`control plane at ${cluster.server}`);
    }
    const checkout = await scratchCheckout(scratch);
    const env: NodeJS.ProcessEnv = {
      PATH: [binDir, join(REPO, 'node_modules/.bin'), process.env.PATH ?? ''].join(':'),
      HOME: process.env.HOME ?? scratch,
      KUBECONFIG: kubeconfig,
      TMPDIR: scratch,
      LANG: 'C.UTF-8',
    };
    standIn = startControllerStandIn({ binDir, kubeconfig, scratchDir: scratch, log: say, signal: interruption.signal });

    for (const block of blocks) {
      if (interruption.signal.aborted) return 130;
      const started = Date.now();
      say(`${block.file}:${block.line}`);
      const { code } = await runBlock(block, checkout, env);
      if (code !== 0) {
        say(`FAILED: the block at ${block.file}:${block.line} exited ${code}`);
        say(`the stand-in controller's last log lines:\n${standIn.logTail()}`);
        return 1;
      }
      say(`${block.file}:${block.line} ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    say(`all ${blocks.length} blocks passed in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    interruption.abort();
    await standIn?.stop();
    await cluster?.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
