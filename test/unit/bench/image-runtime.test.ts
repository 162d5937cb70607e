import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeOptionsInContainer, quantityMib, readImageRuntime, runtimeStage } from '../../../bench/image-runtime.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

test('the bench runs the entry point and environment of the Dockerfile runtime stage, not of an earlier stage', () => {
  const dockerfile = [
    'FROM node:24 AS build',
    'ENV NODE_OPTIONS=--build-only',
    'CMD ["node", "build.js"]',
    'FROM node:24 AS runtime',
    'ENV NODE_ENV=production',
    'ENV NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size-percentage=50"',
    'CMD ["node", "dist/main.js"]',
  ].join('\n');
  assert.deepEqual(runtimeStage(dockerfile), {
    entry: 'dist/main.js',
    env: { NODE_ENV: 'production', NODE_OPTIONS: '--max-semi-space-size=4 --max-old-space-size-percentage=50' },
  });
  assert.throws(() => runtimeStage('FROM node:24\nCMD node dist/main.js'), /no exec-form CMD/);
});

test('the bench runs what an entry-point script of the repository execs for the controller', () => {
  const dockerfile = ['FROM node:24 AS runtime', 'COPY --chmod=0755 scripts/run.sh /usr/local/bin/app', 'ENTRYPOINT ["/usr/local/bin/app"]', 'CMD []'].join('\n');
  const script = 'if [ "$1" = render ]; then\n  exec node dist/cli.js "$@"\nfi\nexec node dist/main.js "$@"\n';
  assert.equal(runtimeStage(dockerfile, (path) => (path === 'scripts/run.sh' ? script : '')).entry, 'dist/main.js');
  assert.throws(() => runtimeStage(dockerfile, () => 'exec other'), /no script of this repository/);
});

test('a heap percentage becomes the size it gives under the Deployment memory limit; other options pass unchanged', () => {
  const { options, derived } = nodeOptionsInContainer({
    entry: 'dist/main.js',
    env: { NODE_OPTIONS: '--max-semi-space-size=4  --max-old-space-size-percentage=50' },
    memoryLimitMib: 512,
  });
  assert.deepEqual(options, ['--max-semi-space-size=4', '--max-old-space-size=256']);
  assert.equal(derived.length, 1);
  assert.deepEqual(nodeOptionsInContainer({ entry: 'x', env: {}, memoryLimitMib: 512 }), { options: [], derived: [] });
});

test('memory quantities are read in binary and decimal units', () => {
  assert.equal(quantityMib('512Mi'), 512);
  assert.equal(quantityMib('1Gi'), 1024);
  assert.equal(quantityMib('1048576'), 1);
  assert.equal(Math.round(quantityMib('600M')), 572);
  assert.throws(() => quantityMib('lots'), /unsupported/);
});

test("this repository's image runs the compiled dist/main.js, and the base Deployment limits its memory", () => {
  const runtime = readImageRuntime(repoRoot);
  assert.equal(runtime.entry, 'dist/main.js');
  assert.ok(runtime.memoryLimitMib > 0);
});
