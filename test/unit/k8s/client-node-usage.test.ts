import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import ts from 'typescript';
import { createApiClients, type ApiClients } from '../../../src/k8s/api-clients.ts';
import * as runtime from '../../../src/k8s/client-node-runtime.ts';

/*
 * What src/ uses of @kubernetes/client-node, read from the code with TypeScript's own type
 * checker, against the two places that must provide it when the image preloads
 * load-less-client-node.ts: client-node-runtime.ts and json-clients.ts.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const srcDir = join(repoRoot, 'src');
const PACKAGE = '@kubernetes/client-node';
const CLIENT_OF_TYPE: Record<string, keyof Omit<ApiClients, 'kubeConfig'>> = {
  ObjectAppsV1Api: 'apps',
  ObjectCoreV1Api: 'core',
  ObjectCustomObjectsApi: 'customObjects',
  ObjectEventsV1Api: 'events',
  ObjectCoordinationV1Api: 'coordination',
};

interface Usage {
  /** Values (not types) src/ imports from the package root, as "file: name". */
  imports: Map<string, string>;
  /** Methods src/ calls on the generated API types, as "apps.patchNamespacedDeployment" → a file calling it. */
  calls: Map<string, string>;
  apiTypes: Set<string>;
}

function readUsage(): Usage {
  const configFile = ts.readConfigFile(join(repoRoot, 'tsconfig.build.json'), (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, repoRoot);
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const usage: Usage = { imports: new Map(), calls: new Map(), apiTypes: new Set() };
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
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const typeName = checker.getTypeAtLocation(node.expression.expression).getSymbol()?.getName() ?? '';
        if (/^Object\w+Api$/.test(typeName)) usage.apiTypes.add(typeName);
        const client = CLIENT_OF_TYPE[typeName];
        if (client) usage.calls.set(`${client}.${node.expression.name.text}`, where);
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

  it('every method src/ calls on a generated API is one of the calls in json-clients.ts', () => {
    assert.ok(usage.calls.has('apps.patchNamespacedDeployment'), 'the scan finds calls');
    for (const type of usage.apiTypes) assert.ok(type in CLIENT_OF_TYPE, `src/ calls a method on ${type}, which ApiClients does not provide`);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    const clients = createApiClients(kubeConfig);
    for (const [call, file] of usage.calls) {
      const [client = '', method = ''] = call.split('.');
      const api: object = clients[client as keyof Omit<ApiClients, 'kubeConfig'>];
      assert.doesNotThrow(() => Reflect.get(api, method), `${file} calls ${call}`);
    }
  });
});
