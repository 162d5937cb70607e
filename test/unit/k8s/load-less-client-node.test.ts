import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as configDeps from '../../../src/k8s/client-node-config-deps.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const PRELOAD = './src/k8s/load-less-client-node.ts';

/**
 * Loads the controller's modules in a fresh node (with `preload`, or without) and returns
 * the client-node files that were loaded, relative to the package's dist/.
 */
async function clientNodeFilesLoaded(preload: string[]): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { if (url.includes('/@kubernetes/client-node/dist/')) loaded.push(url.split('/@kubernetes/client-node/dist/')[1]); return next(url, context); } });
    await import('./src/controller.ts');
    await import('./src/k8s/leader-election.ts');
    const { createApiClients } = await import('./src/k8s/api-clients.ts');
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
    createApiClients(kubeConfig);
    console.log(JSON.stringify(loaded));`;
  const { stdout } = await promisify(execFile)(process.execPath, [...preload, '--input-type=module', '--eval', script], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as string[];
}

const generated = (file: string): boolean => /^gen\/(models|types)\//.test(file) || (/^gen\/apis\//.test(file) && file !== 'gen/apis/exception.js');

describe('load-less-client-node (the image preloads it)', () => {
  it('keeps the generated API clients and models out of the controller, which still gets KubeConfig and its API clients', async () => {
    const loaded = await clientNodeFilesLoaded([`--import=${PRELOAD}`]);
    assert.ok(loaded.includes('config.js') && loaded.includes('watch.js'));
    assert.deepEqual(loaded.filter(generated), []);
    assert.ok(loaded.length < 60, `${loaded.length} client-node files`);
  });

  it('is needed: without it the controller loads every generated model and API', async () => {
    const loaded = await clientNodeFilesLoaded([]);
    assert.ok(loaded.filter(generated).length > 750, `${loaded.filter(generated).length} generated files`);
  });

  it("gives client-node's KubeConfig module exactly the names it imports from the generated code", async () => {
    const source = await readFile(fileURLToPath(import.meta.resolve('@kubernetes/client-node/dist/config.js')), 'utf8');
    const imported = /import\s*\{([^}]*)\}\s*from\s*'\.\/gen\/index\.js'/.exec(source)?.[1]?.split(',').map((name) => name.trim()).filter(Boolean);
    assert.deepEqual(imported?.sort(), Object.keys(configDeps).sort());
  });
});
