import {
  Observable,
  type ConfigurationOptions,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { apiVerbOf, type ApiVerb } from './api-verb.ts';
import type { ApiRequestObserver } from './raw-request.ts';

/**
 * Per-call options for a typed client-node 2.x call (readNamespacedSecret, ...): the HTTP
 * request aborts when `signal` does, and `observe` is told the verb, status and duration of
 * each answered request. Without a signal a call can hang for as long as its TCP connection
 * does: client-node sets no request timeout of its own.
 */
export function abortableRequest(signal: AbortSignal, observe?: ApiRequestObserver): ConfigurationOptions {
  // One options object per call, so the closure times exactly this request.
  let verb: ApiVerb = 'other';
  let started = 0;
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          verb = apiVerbOf(context.getHttpMethod(), context.getUrl());
          started = performance.now();
          return new Observable(Promise.resolve(context));
        },
        // A request that gets no response never reaches here: raw requests report those.
        post: (response: ResponseContext) => {
          observe?.(verb, response.httpStatusCode, (performance.now() - started) / 1000);
          return new Observable(Promise.resolve(response));
        },
      },
    ],
    // "append" keeps whatever middleware the client was built with.
    middlewareMergeStrategy: 'append',
  };
}
