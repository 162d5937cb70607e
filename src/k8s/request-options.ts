import {
  Observable,
  type ConfigurationOptions,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/**
 * Per-call options for a client-node 2.x API method that abort the HTTP
 * request when `signal` aborts. Without them a call can hang for as long as
 * its TCP connection does: client-node sets no request timeout of its own.
 */
export function abortableRequest(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    // "append" keeps whatever middleware the client was built with.
    middlewareMergeStrategy: 'append',
  };
}
