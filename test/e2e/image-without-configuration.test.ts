// The image started with a scope but with neither a kubeconfig nor a ServiceAccount token
// mount (a pod with automountServiceAccountToken: false): one sentence, exit code 2 (issue 19,
// item 4; src/k8s/kube-config-source.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertImagePresent, runContainer } from '../support/podman.ts';

test('the image without a kubeconfig or a token mount exits 2 with one sentence naming KUBECONFIG and the ServiceAccount token mount', async () => {
  await assertImagePresent();
  const result = await runContainer({ args: ['--namespace', 'default'], network: 'none', timeoutMs: 30_000 });
  const nonEmpty = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
  const [sentence, ...moreErr] = nonEmpty(result.stderr);
  const [logLine, ...moreOut] = nonEmpty(result.stdout);
  assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
  // For a person, one sentence on stderr; for the log collector, one level-50 JSON line with the same words, and no stack trace.
  assert.deepEqual(moreErr, [], `one line on stderr:\n${result.stderr}`);
  assert.deepEqual(moreOut, [], `one log line on stdout:\n${result.stdout}`);
  assert.match(sentence ?? '', /KUBECONFIG/);
  assert.match(sentence ?? '', /\/var\/run\/secrets\/kubernetes\.io\/serviceaccount/);
  const logged = JSON.parse(logLine ?? '{}') as { level?: number; msg?: string; err?: unknown; stack?: unknown };
  assert.equal(logged.level, 50);
  assert.ok(sentence?.endsWith(logged.msg ?? '<no msg>'), `the log line and the sentence say the same: ${logLine}`);
  assert.equal(logged.err, undefined, 'no error object (stack trace) at the default log level');
});
