import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BenchArgsError, parseBenchArgs } from '../../../bench/args.ts';
import { resolveCommit } from '../../../bench/peers/build.ts';
import { describeStep, optInAnnotations, PEERS } from '../../../bench/peers/catalogue.ts';
import { parsePeerSpec, PeerSpecError } from '../../../bench/peers/spec.ts';

const RELOADER = '392be733e05b8e52c94199263abfd0f7632faab1';
const WAVE = '1b34ce496b4ddca22e1b856b0c42267340c045a2';

test('--peers takes each peer with its directory and commit, and orders them Reloader then Wave', () => {
  assert.deepEqual(parsePeerSpec(`wave=/src/wave@${WAVE}, reloader=/src/reloader@${RELOADER.toUpperCase()}`), [
    { name: 'reloader', dir: '/src/reloader', commit: RELOADER },
    { name: 'wave', dir: '/src/wave', commit: WAVE },
  ]);
});

test('--peers without @COMMIT leaves the commit to be asked of git', () => {
  assert.deepEqual(parsePeerSpec('reloader=/src/reloader'), [{ name: 'reloader', dir: '/src/reloader' }]);
});

test('a directory with an @ in its path keeps it: the commit is after the last @', () => {
  assert.deepEqual(parsePeerSpec(`wave=/tmp/a@b/wave@${WAVE}`), [{ name: 'wave', dir: '/tmp/a@b/wave', commit: WAVE }]);
});

test('--peers refuses unknown peers, short commits, a missing directory and a peer named twice', () => {
  assert.throws(() => parsePeerSpec('flux=/src'), /unknown peer "flux"/);
  assert.throws(() => parsePeerSpec('wave=/src@1b34ce4'), /not a full 40-hex commit/);
  assert.throws(() => parsePeerSpec(`wave=@${WAVE}`), /no source directory/);
  assert.throws(() => parsePeerSpec('wave=/a,wave=/b'), /names wave twice/);
  assert.throws(() => parsePeerSpec('wave'), PeerSpecError);
  assert.throws(() => parsePeerSpec(' , '), /empty/);
});

test('the bench flags take --peers and --peer-wait, and refuse peers without the scale scenario', () => {
  const args = parseBenchArgs(['--scale', 'small', '--only', 'scale', '--peers', `reloader=/r@${RELOADER}`, '--peer-wait', '120']);
  assert.notEqual(args, 'help');
  if (args === 'help') return;
  assert.deepEqual(args.peers, { sources: [{ name: 'reloader', dir: '/r', commit: RELOADER }], waitS: 120 });
  const defaults = parseBenchArgs(['--peers', `wave=/w@${WAVE}`]);
  assert.ok(defaults !== 'help' && defaults.peers?.waitS === 240);
  const plain = parseBenchArgs([]);
  assert.ok(plain !== 'help' && plain.peers === undefined, 'a run without peers parses as before');
  assert.throws(() => parseBenchArgs(['--peer-wait', '100']), /needs --peers/);
  assert.throws(() => parseBenchArgs(['--only', 'latency', '--peers', 'wave=/w']), BenchArgsError);
  assert.throws(() => parseBenchArgs(['--peers', 'nope=/w']), BenchArgsError);
  assert.throws(() => parseBenchArgs(['--peers', 'wave=/w', '--peer-wait', '0']), BenchArgsError);
});

test('the peers are opted in by the annotations their READMEs name, all of them on every Deployment', () => {
  assert.deepEqual(optInAnnotations(['reloader', 'wave']), {
    'reloader.stakater.com/auto': 'true',
    'wave.pusher.com/update-on-config-change': 'true',
  });
  assert.deepEqual(optInAnnotations([]), {});
});

test('Reloader builds with the openshift/api replace the report names, Wave with a plain go build', () => {
  assert.deepEqual(PEERS.reloader.build.steps.map(describeStep), [
    'go mod edit -replace github.com/openshift/api=github.com/openshift/api@v0.0.0-20260326111139-30c2ef7a272e',
    'GOFLAGS=-mod=mod go build -o reloader .',
  ]);
  assert.ok(PEERS.reloader.build.steps[0]?.args.join(' ').endsWith(PEERS.reloader.replaces[0] ?? 'missing'));
  assert.deepEqual(PEERS.wave.build.steps.map(describeStep), ['go build ./cmd/manager']);
  assert.equal(PEERS.reloader.knownTags[RELOADER], 'v1.4.21');
  assert.equal(PEERS.wave.knownTags[WAVE], 'v0.11.0');
});

test('without @COMMIT the commit comes from git only when the directory is the top of a work tree', async () => {
  const root = await mkdtemp(join(tmpdir(), 'peers-commit-'));
  try {
    const git = (...args: string[]): string => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'tag');
    const head = git('rev-parse', 'HEAD');
    assert.equal(await resolveCommit({ name: 'wave', dir: root }), head);
    await mkdir(join(root, 'sub'));
    await assert.rejects(resolveCommit({ name: 'wave', dir: join(root, 'sub') }), /not the top of a git work tree.*wave=.*@COMMIT/);
    assert.equal(await resolveCommit({ name: 'wave', dir: join(root, 'sub'), commit: WAVE }), WAVE, 'a given commit is taken as it is');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
