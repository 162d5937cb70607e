import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const CLI = fileURLToPath(new URL('../../../src/cli/confighash.ts', import.meta.url));

function confighash(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input: '' });
}

describe('the confighash CLI', () => {
  it('prints its usage on stdout and exits 0 for --help and -h, with or without the render command', () => {
    for (const args of [['--help'], ['-h'], ['render', '--help']]) {
      const result = confighash(...args);
      assert.equal(result.status, 0, `confighash ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /^Usage: confighash render /, `confighash ${args.join(' ')} prints the usage`);
    }
  });

  it('exits 2 with the usage on stderr when no command or an unknown one is given', () => {
    const none = confighash();
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^confighash: no command given\n\nUsage: confighash render /);
    const unknown = confighash('stamp');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^confighash: unknown command "stamp"/);
    assert.equal(unknown.stdout, '');
  });
});
