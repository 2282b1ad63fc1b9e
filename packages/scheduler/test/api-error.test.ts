import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startRedisServer } from '@nightshift/devtools';
import { toStatus } from '../src/api/api-error.js';

const log = pino({ level: 'silent' });

// The errors ioredis really raises when Redis goes away under a call, each mapped to UNAVAILABLE
// (worth a retry), not INTERNAL: a CI run saw a SubmitStream answered INTERNAL during a Redis restart.
test('Redis going away under a call is UNAVAILABLE, whichever way ioredis says it', async () => {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: false });
  redis.on('error', () => {});
  try {
    await redis.ping();
    // A pipeline answered in part when the connection closes: ioredis aborts the rest (AbortError).
    const inFlight = redis.pipeline().ping().blpop('nightshift-api-error-test', 0).exec().catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 100));
    await server.stop();
    const aborted = await inFlight;
    const failure = aborted instanceof Error ? aborted : (aborted as Array<[Error | null, unknown]>)[1]![0];
    assert.ok(failure instanceof Error && /aborted due to connection close/.test(failure.message), `the pipeline's second command was aborted: ${String(failure)}`);
    // Sent while Redis is away: refused, then MaxRetriesPerRequestError.
    const refused = await redis.get('k').catch((err: unknown) => err as Error);
    assert.ok(refused instanceof Error);
    for (const err of [failure, refused]) {
      const s = toStatus(err, log, 'Test');
      assert.equal(s.code, grpc.status.UNAVAILABLE, `${err.name}: ${err.message} → ${s.code}`);
    }
    // Anything else stays INTERNAL, with a reference and no raw message.
    const other = toStatus(new TypeError('x is undefined'), log, 'Test');
    assert.equal(other.code, grpc.status.INTERNAL);
    assert.match(other.details!, /^internal error \(ref \w+\)$/);
  } finally {
    redis.disconnect();
    await server.stop().catch(() => {});
  }
});
