import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runnableBlocks } from '../../../scripts/lib/docs/runnable-blocks.ts';

describe('runnableBlocks', () => {
  it('returns only the blocks marked `sh runnable`, with the line of their opening fence', () => {
    const markdown = [
      '# Title',
      '```sh',
      'echo not marked',
      '```',
      '```sh runnable',
      'kubectl get lease confighash-controller',
      'echo two',
      '```',
      '````markdown',
      '```sh runnable',
      'inside another fence: an example, not a command',
      '```',
      '````',
      '~~~sh runnable',
      'echo tilde',
      '~~~',
    ].join('\n');
    assert.deepEqual(runnableBlocks('docs/x.md', markdown), [
      { file: 'docs/x.md', line: 5, code: 'kubectl get lease confighash-controller\necho two\n' },
      { file: 'docs/x.md', line: 14, code: 'echo tilde\n' },
    ]);
  });

  it('refuses a runnable block that is never closed, naming file and line', () => {
    assert.throws(() => runnableBlocks('README.md', 'text\n```sh runnable\necho lost\n'), /^Error: README.md:2: the runnable block is never closed$/);
  });
});
