// `podman run --rm -i confighash:dev render < in.yaml`: the CLI a CI pipeline runs from the
// image, instead of `npx confighash` (no such package is published).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, SAMPLE_APP_DIR, kustomizeBuild } from '../../scripts/lib/kustomize.ts';
import { testCluster } from '../support/cluster.ts';
import { assertImagePresent, runContainer } from '../support/podman.ts';

test('the image renders a kustomize build exactly as the CLI of this checkout does, with no network, as UID 65532 on a read-only root', async () => {
  await assertImagePresent();
  const input = await kustomizeBuild(testCluster().binDir, SAMPLE_APP_DIR);
  const fromImage = await runContainer({ args: ['render'], network: 'none', input });
  assert.equal(fromImage.code, 0, fromImage.stderr);
  const local = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = execFile(process.execPath, [join(REPO_ROOT, 'src/cli/confighash.ts'), 'render'], (error, stdout, stderr) =>
      error ? reject(error) : resolve({ stdout, stderr }),
    );
    child.stdin?.end(input);
  });
  assert.match(fromImage.stdout, /confighash\.dev\/checksum: v1\.[0-9a-f]{64}/);
  assert.equal(fromImage.stdout, local.stdout);
  assert.equal(fromImage.stderr, local.stderr);
});

test('the image refuses input that is not YAML with exit code 1 and a one-line reason', async () => {
  await assertImagePresent();
  const result = await runContainer({ args: ['render'], network: 'none', input: 'not: [valid\n' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^confighash render: the input is not valid YAML: /);
  assert.equal(result.stdout, '');
});
