import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertBinaries, MissingBinariesError } from '../../../scripts/lib/control-plane/binaries.ts';
import { prepareDataDir } from '../../../scripts/lib/control-plane/data-dir.ts';
import { ComponentStartError } from '../../../scripts/lib/control-plane/readiness.ts';

test('a start failure names the component and shows the tail of its log, with a hint when a port was taken', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'confighash-err-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, 'etcd.log');
  await writeFile(log, `${Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n')}\nlisten tcp 127.0.0.1:2379: bind: address already in use\n`);

  const error = new ComponentStartError('etcd', 'exited with code 1', log);
  assert.match(error.message, /^etcd failed to start: exited with code 1\./);
  assert.match(error.message, /was taken by another process/);
  assert.match(error.message, /bind: address already in use/);
  assert.doesNotMatch(error.message, /line 5\n/, 'only the tail of the log');
  assert.equal(error.retryable, true);
});

test('missing binaries are listed with how to rebuild them', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'confighash-bin-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.throws(() => assertBinaries(dir), (error: unknown) => {
    assert.ok(error instanceof MissingBinariesError);
    assert.ok(error.missing.includes('kube-apiserver') && error.missing.includes('kwok'));
    assert.match(error.message, /scripts\/controlplane\/build\.sh/);
    return true;
  });
});

test('a data dir that holds foreign files is never wiped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'confighash-data-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'precious'));
  await assert.rejects(prepareDataDir(dir), /refusing to use .* not empty/);
});
