/*
 * What the controller takes from @kubernetes/client-node at run time, each from the module
 * that defines it. load-less-client-node.ts makes `import ... from '@kubernetes/client-node'`
 * resolve here, so that the package root, which re-exports every generated API and model,
 * is never loaded. A unit test checks that every value src/ imports from the package is
 * exported here.
 */
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { Watch } from '@kubernetes/client-node/dist/watch.js';
export { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
export { HttpMethod, RequestContext, ResponseContext } from '@kubernetes/client-node/dist/gen/http/http.js';
export { Observable } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
export { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
export { setHeaderOptions } from '@kubernetes/client-node/dist/middleware.js';
export { V1MicroTime } from '@kubernetes/client-node/dist/types.js';
