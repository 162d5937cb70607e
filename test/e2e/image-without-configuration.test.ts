// The image started with a scope but with neither a kubeconfig nor a ServiceAccount token
// mount (a pod with automountServiceAccountToken: false): one sentence, exit code 2.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertImagePresent, runContainer } from '../support/podman.ts';

test(
  'the image without a kubeconfig or a token mount exits 2 with one line naming KUBECONFIG and the ServiceAccount token mount',
  // The error itself is issue 19's item 4, implemented on branch `start` (src/main.ts); until
  // that branch is merged this test reports as todo instead of failing the suite.
  { todo: 'needs the start-up error of branch start (issue 19, item 4); remove this option once it is merged' },
  async () => {
    await assertImagePresent();
    const result = await runContainer({ args: ['--namespace', 'default'], network: 'none', timeoutMs: 30_000 });
    const lines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
    assert.equal(result.code, 2, lines.join('\n'));
    assert.equal(lines.length, 1, `one line, not a stack trace:\n${lines.join('\n')}`);
    assert.match(lines[0] ?? '', /KUBECONFIG/);
    assert.match(lines[0] ?? '', /\/var\/run\/secrets\/kubernetes\.io\/serviceaccount/);
  },
);
