import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFile(fileURLToPath(new URL(path, root)), 'utf8');

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** The Dockerfile's stages, each with its instruction lines (comments and blanks dropped). */
function stagesOf(dockerfile: string): { args: Map<string, string>; stages: Stage[] } {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of dockerfile.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from?.[1]) {
      stages.push({ from: from[1], ...(from[2] ? { name: from[2] } : {}), lines: [] });
    } else if (stages.length === 0) {
      const arg = /^ARG\s+(\w+)=(\S+)$/.exec(line);
      if (arg?.[1] && arg[2]) args.set(arg[1], arg[2]);
    } else {
      stages.at(-1)?.lines.push(line);
    }
  }
  return { args, stages };
}

test('the image runs the Node version that package.json pins for development, on a slim base', async () => {
  const { args, stages } = stagesOf(await read('Dockerfile'));
  const pkg = JSON.parse(await read('package.json')) as { devDependencies: Record<string, string> };
  assert.equal(args.get('NODE_VERSION'), pkg.devDependencies.node);
  assert.match(args.get('NODE_VERSION') ?? '', /^24\.\d+\.\d+$/, 'an exact Node 24 LTS version');
  for (const stage of stages) assert.equal(stage.from, 'node:${NODE_VERSION}-trixie-slim');
});

test('the runtime stage holds production dependencies only and the compiled entry point', async () => {
  const { stages } = stagesOf(await read('Dockerfile'));
  const runtime = stages.at(-1);
  assert.ok(runtime);
  const deps = stages.find((s) => runtime.lines.some((l) => l.startsWith(`COPY --from=${s.name} /app/node_modules`)));
  assert.ok(deps, 'node_modules comes from a stage of its own');
  assert.ok(deps.lines.some((l) => /npm ci --omit=dev --ignore-scripts/.test(l)));

  const build = JSON.parse(await read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
  assert.deepEqual([build.compilerOptions.rootDir, build.compilerOptions.outDir], ['src', 'dist']);
  assert.ok(runtime.lines.includes('COPY --from=build /app/dist ./dist'));
  assert.ok(runtime.lines.includes('ENTRYPOINT ["/usr/local/bin/confighash"]'), 'exec form, so the entry point is PID 1');
  assert.ok(runtime.lines.includes('COPY --chmod=0755 scripts/image/entrypoint.sh /usr/local/bin/confighash'));
  const entrypoint = await read('scripts/image/entrypoint.sh');
  assert.match(entrypoint, /^\s*exec node dist\/main\.js "\$@"$/m, 'the controller replaces the shell, so SIGTERM reaches node');
  assert.match(entrypoint, /^\s*exec node dist\/cli\/confighash\.js "\$@"$/m, 'the render CLI is in the image too');
});

test('the image user is the numeric, non-root user the Deployment runs as', async () => {
  const { stages } = stagesOf(await read('Dockerfile'));
  const user = stages.at(-1)?.lines.find((l) => l.startsWith('USER '))?.slice('USER '.length);
  const deployment = parse(await read('kustomize/base/deployment.yaml')) as {
    spec: { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number; runAsNonRoot: boolean } } } };
  };
  const pod = deployment.spec.template.spec.securityContext;
  assert.equal(user, `${pod.runAsUser}:${pod.runAsGroup}`);
  assert.ok(pod.runAsNonRoot && pod.runAsUser > 0);
});

test('the build context holds only what the image build copies', async () => {
  const ignore = (await read('.dockerignore')).split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(ignore[0], '*', 'everything is excluded unless listed');
  assert.deepEqual(ignore.slice(1).sort(), [
    '!package-lock.json',
    '!package.json',
    '!scripts/image/entrypoint.sh',
    '!src/',
    '!tsconfig.build.json',
    '!tsconfig.json',
  ]);
});

test("the image states V8's heap: a small young generation, and an old generation capped at a share of the container's memory limit", async () => {
  const { stages } = stagesOf(await read('Dockerfile'));
  const env = stages.at(-1)?.lines.find((l) => l.startsWith('ENV NODE_OPTIONS='));
  const options = /^ENV NODE_OPTIONS="([^"]*)"$/.exec(env ?? '')?.[1]?.split(' ') ?? [];
  const value = (flag: string): number => Number(options.find((o) => o.startsWith(`${flag}=`))?.slice(flag.length + 1));
  assert.ok(value('--max-semi-space-size') > 0 && value('--max-semi-space-size') <= 8, 'a young generation of a few MiB');
  const share = value('--max-old-space-size-percentage');
  assert.ok(share > 0 && share <= 75, 'room is left beside the heap for code, buffers and the node binary');
  // NODE_OPTIONS admits only some V8 flags: node refuses to start on any other. A preload
  // of dist/ is checked as the source it is compiled from.
  const fromSource = options.map((option) => option.replace(/^--import=\.\/dist\/(.+)\.js$/, '--import=./src/$1.ts'));
  const started = spawnSync(process.execPath, ['-e', '0'], { cwd: fileURLToPath(root), env: { NODE_OPTIONS: fromSource.join(' ') }, encoding: 'utf8' });
  assert.equal(started.status, 0, started.stderr);

  // Node applies the percentage to the cgroup limit: the Deployment must set one, and must
  // not set NODE_OPTIONS itself (an env entry would replace the image's flags).
  const deployment = parse(await read('kustomize/base/deployment.yaml')) as {
    spec: { template: { spec: { containers: { env?: { name: string }[]; resources?: { limits?: { memory?: string } } }[] } } };
  };
  const [container] = deployment.spec.template.spec.containers;
  assert.match(container?.resources?.limits?.memory ?? '', /^[0-9]+(Mi|Gi)$/);
  assert.ok(!container?.env?.some((e) => e.name === 'NODE_OPTIONS'));
  for (const overlay of ['cluster', 'ha', 'namespaced', 'sample']) {
    assert.doesNotMatch(await read(`kustomize/overlays/${overlay}/kustomization.yaml`), /NODE_OPTIONS/, overlay);
  }
});
