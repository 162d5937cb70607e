import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as runtime from '../../../src/k8s/client-node-runtime.ts';

/*
 * What src/ imports from @kubernetes/client-node, read from the code with TypeScript's own
 * parser, against client-node-runtime.ts, which must provide it when the image preloads
 * load-less-client-node.ts. (The API calls are checked by the compiler: src/ takes the
 * narrow types of json-clients.ts.)
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const srcDir = join(repoRoot, 'src');
const PACKAGE = '@kubernetes/client-node';

interface Usage {
  /** Values (not types) src/ imports from the package root, as "file: name". */
  imports: Map<string, string>;
}

function readUsage(): Usage {
  const configFile = ts.readConfigFile(join(repoRoot, 'tsconfig.build.json'), (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, repoRoot);
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
  const usage: Usage = { imports: new Map() };
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(srcDir)) continue;
    const where = file.fileName.slice(repoRoot.length);
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text === PACKAGE) {
        const bindings = node.importClause?.namedBindings;
        if (!node.importClause?.isTypeOnly && bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) {
            if (!element.isTypeOnly) usage.imports.set((element.propertyName ?? element.name).text, where);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return usage;
}

describe('src/ and what the lean client-node entry provides', () => {
  let usage: Usage;
  before(() => {
    usage = readUsage();
  });

  it('every value src/ imports from the package root is exported by client-node-runtime.ts', () => {
    assert.ok(usage.imports.has('KubeConfig'), 'the scan finds imports');
    for (const [name, file] of usage.imports) assert.ok(name in runtime, `${file} imports ${name}, which client-node-runtime.ts does not export`);
  });
});
