/*
 * What client-node's KubeConfig (dist/config.js) imports from its generated code
 * (./gen/index.js, which loads all 70 API groups and 900 models): the two names
 * makeApiClient uses. load-less-client-node.ts gives config.js this module instead.
 */
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
