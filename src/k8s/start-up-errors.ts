import { startUpCallKey, type StartUpCall } from './start-up-problem.ts';

/** A start-up call failed: carries the call, so that startUpProblem can name it and its fix. */
export class StartUpCallError extends Error {
  readonly call: StartUpCall;

  constructor(call: StartUpCall, cause: unknown) {
    super(`${startUpCallKey(call)} failed`, { cause });
    this.name = 'StartUpCallError';
    this.call = call;
  }
}

/** Something a person must fix before the controller can start (exit 2, like a bad flag); the message names the fix. */
export class CannotStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CannotStartError';
  }
}
