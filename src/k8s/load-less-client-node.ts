// Preloaded with `node --import=./dist/k8s/load-less-client-node.js` (the image's
// NODE_OPTIONS), before the controller's modules are resolved.
import { registerHooks } from 'node:module';

/**
 * Keeps @kubernetes/client-node's generated API clients and models (about 1,000 modules,
 * 30 MiB of a 110 MiB process before any object; BENCHMARKS.md) out of the process. The
 * controller makes its API calls through json-clients.ts and needs only KubeConfig, Watch
 * and a few small helpers, but importing either the package root or KubeConfig's module
 * loads all of the generated code. So module resolution is redirected:
 * - the package root, for the controller's modules, to client-node-runtime.ts, which
 *   re-exports what they use from the modules that define it;
 * - `./gen/index.js`, imported by client-node's dist/config.js, to
 *   client-node-config-deps.ts, which has the two names config.js takes from it.
 * A name missing from either module fails at start-up, before any work ("does not provide
 * an export named ..."); unit tests check both against src/ and the pinned client-node.
 * Without this preload (npm start, the tests) the same code runs on the whole package.
 */
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const runtime = new URL(`./client-node-runtime${extension}`, import.meta.url).href;
const configDeps = new URL(`./client-node-config-deps${extension}`, import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === '@kubernetes/client-node' && context.parentURL !== runtime) return { url: runtime, shortCircuit: true };
    if (specifier === './gen/index.js' && context.parentURL?.endsWith('/@kubernetes/client-node/dist/config.js')) {
      return { url: configDeps, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});
