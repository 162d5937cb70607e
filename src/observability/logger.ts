import { pino, type DestinationStream, type Logger } from 'pino';
import { apiStatusCodeOf } from '../errors.ts';

export type { Logger };
export type LoggerLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Field names that hold Secret values or credentials wherever they appear. */
const SENSITIVE_KEYS = ['data', 'stringData', 'binaryData', 'token', 'authorization'];

/**
 * Redaction is defence in depth: code should never log a Secret, but if an
 * object carrying one slips in (a Secret, a watch event, request options),
 * these paths blank the values up to two levels deep.
 */
const REDACT_PATHS: readonly string[] = [
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((key) => `*.${key}`),
  ...SENSITIVE_KEYS.map((key) => `*.*.${key}`),
  'err.body',
  'error.body',
];

/** A logger for the controller: JSON lines, `component: confighash`, values of Secrets redacted. */
export function createLogger(level: LoggerLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { component: 'confighash' },
    redact: { paths: [...REDACT_PATHS], censor: '[Redacted]' },
    serializers: { err: serializeError, error: serializeError },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** pino's error serializer, after removing what client-node puts in ApiException messages. */
function serializeError(value: unknown): unknown {
  return value instanceof Error ? pino.stdSerializers.err(withoutResponseBodies(value)) : value;
}

/**
 * client-node's ApiException message (and so its stack) embeds the response
 * body, which may be a Secret. Replace any such error in the cause chain by
 * one that keeps only the status code and the stack frames.
 */
function withoutResponseBodies(error: Error, depth = 0): Error {
  const statusCode = apiStatusCodeOf(error);
  if (statusCode !== undefined) {
    const safe = new Error(`Kubernetes API responded with HTTP ${statusCode} (response body withheld)`);
    safe.name = error.name;
    safe.stack = [`${error.name}: ${safe.message}`, ...stackFrames(error)].join('\n');
    return Object.assign(safe, { statusCode });
  }
  const cause: unknown = error.cause;
  if (depth >= 5 || !(cause instanceof Error)) return error;
  const safeCause = withoutResponseBodies(cause, depth + 1);
  if (safeCause === cause) return error;
  const copy: Error = Object.assign(new Error(error.message, { cause: safeCause }), error, { cause: safeCause });
  copy.name = error.name;
  if (error.stack !== undefined) copy.stack = error.stack;
  return copy;
}

function stackFrames(error: Error): string[] {
  return (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
}
