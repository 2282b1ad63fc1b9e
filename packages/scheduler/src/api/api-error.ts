import * as grpc from '@grpc/grpc-js';
import { ParamError, throttled } from '@nightshift/proto';
import type { Logger } from '@nightshift/proto';

/** An error meant for the caller: a gRPC status and a message that says what is wrong. */
export class ApiError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    /** Where waiting helps: how long, seconds. Sent as a `retry-after` trailer. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalid = (message: string): ApiError => new ApiError(grpc.status.INVALID_ARGUMENT, message);
export const notFound = (message: string): ApiError => new ApiError(grpc.status.NOT_FOUND, message);
export const exhausted = (message: string, retryAfterSeconds?: number): ApiError => new ApiError(grpc.status.RESOURCE_EXHAUSTED, message, retryAfterSeconds);

/**
 * The one place errors become statuses. Anything unexpected is logged with
 * its stack and reported as INTERNAL with a short reference, never raw.
 */
export function toStatus(err: unknown, log: Logger, method: string): Partial<grpc.StatusObject> {
  if (err instanceof ApiError) {
    if (err.retryAfterSeconds === undefined) return { code: err.code, details: err.message };
    const metadata = new grpc.Metadata();
    metadata.set('retry-after', String(Math.ceil(err.retryAfterSeconds)));
    return { code: err.code, details: err.message, metadata };
  }
  if (err instanceof ParamError) return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  const e = err as Error & { code?: string };
  if (e && redisAway(e)) {
    throttled(log, 'error', 'redis unavailable: requests refused with UNAVAILABLE', { err: e, method });
    return { code: grpc.status.UNAVAILABLE, details: 'the job store is unavailable; retry shortly' };
  }
  const ref = Math.random().toString(36).slice(2, 10);
  log.error({ err, method, ref }, 'internal error');
  return { code: grpc.status.INTERNAL, details: `internal error (ref ${ref})` };
}

/**
 * Redis is away (or went away under the call): worth a retry, so UNAVAILABLE. ioredis says so in
 * several ways: a refused or reset connection, its MaxRetriesPerRequestError (only in its name:
 * "Reached the max retries per request limit"), and, for a command sent in a pipeline or a script
 * when the connection dropped, its AbortError "Command aborted due to connection close".
 */
function redisAway(e: Error & { code?: string }): boolean {
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|aborted due to connection close|MaxRetriesPerRequest/.test(`${e.name ?? ''} ${e.code ?? ''} ${e.message ?? ''}`);
}
