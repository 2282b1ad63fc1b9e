import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { packTokens, resolveOp, type JobSpec, type SubmitStreamResponse__Output } from '@nightshift/proto';
import { ManualClock, schedulerConfig } from '../src/index.js';
import { Keys } from '../src/jobs/index.js';
import { ResultCache } from '../src/cache/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { startWorkerProcess } from './helpers/processes.js';
import { REDIS_URL } from './helpers/redis.js';
import { refusal } from './helpers/refusal.js';

// Issue 26, parts 4 to 6: a tenant's burst, its storage and its refused texts are bounded, and paid for.
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});
const redis = new Redis(REDIS_URL);
cleanups.push(() => redis.quit());

async function system(name: string, opts: Parameters<typeof startSystem>[1]): Promise<TestSystem> {
  const sys = await startSystem(name, opts);
  cleanups.push(() => sys.stop());
  return sys;
}

/** A job of n tokens; `seed` makes its content (and its cache key) its own. */
const job = (n: number, seed: number, extra: Partial<JobSpec> = {}): JobSpec => ({
  op: 'embed', tokens: packTokens(Uint32Array.from({ length: n }, (_, i) => (seed * 7919 + i) % 100_000)), ...extra,
});

/** Submits `n` jobs over one SubmitStream as fast as it takes them; every reply. */
async function burst(sys: TestSystem, tenant: string, n: number): Promise<SubmitStreamResponse__Output[]> {
  const replies: SubmitStreamResponse__Output[] = [];
  const client = sys.client(tenant);
  await client.submitMany(Array.from({ length: n }, (_, i) => ({ requestId: String(i), job: job(8, i) })), (r) => replies.push(r), n);
  assert.equal(replies.length, n, 'every request answered');
  return replies;
}


test('a 3,000-job SubmitStream against a queue limit of 100 is cut at exactly what fits: the tenant its share, the rest for others', async () => {
  // No workers: every admitted job stays waiting. The default share of a tenant is half the queue.
  const sys = await system('burst', { workers: 0, config: { limits: { maxQueuedJobs: 100 } } });
  const a = await burst(sys, 'tenant-a', 3000);
  const admittedA = a.filter((r) => r.job).length;
  assert.equal(admittedA, 50, `tenant-a admitted ${admittedA} jobs of 3,000 against its share of 50`);
  for (const r of a.filter((r) => !r.job)) {
    assert.equal(r.error!.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(r.error!.message, /^tenant tenant-a may have 50 jobs waiting \(queued or deferred\), and has 50; retry once they drain$/);
    assert.ok(r.error!.retryAfterSeconds >= 1, 'says when to come back');
  }
  // Another tenant still gets in, up to the global limit, exactly.
  const b = await burst(sys, 'tenant-b', 3000);
  assert.equal(b.filter((r) => r.job).length, 50, 'tenant-b admitted its share while tenant-a is at its own');
  const c = await refusal(sys.client('tenant-c').submit(job(8, 1)));
  assert.equal(c.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(c.details, /^the queue holds 100 jobs, at its limit of 100; retry once it drains$/);
  assert.ok(c.retryAfter >= 1);
  const keys = new Keys(sys.prefix);
  assert.equal(await redis.zcard(keys.state('tenant-a', 'QUEUED')), 50);
  assert.equal(await redis.zcard(keys.state('tenant-b', 'QUEUED')), 50);

  // A tenant allowed the whole queue: one burst takes exactly the global limit, not a job more.
  const whole = await system('burst-whole', { workers: 0, config: { limits: { maxQueuedJobs: 100, tenants: { big: { maxQueuedJobs: 100 } } } } });
  const big = await burst(whole, 'big', 3000);
  assert.equal(big.filter((r) => r.job).length, 100);
  for (const r of big.filter((r) => !r.job)) assert.match(r.error!.message, /^the queue holds 100 jobs, at its limit of 100; retry once it drains$/);
  // Once the count is read from Redis, it says the same.
  await sleep(1200);
  const later = await refusal(whole.client('big').submit(job(8, 1)));
  assert.match(later.details, /^the queue holds 100 jobs, at its limit of 100/);
});

test('tokens held by a tenant are bounded, and the count returns to 0 after cancels, retries, failures and finishes', async () => {
  const clock = new ManualClock(Date.parse('2026-11-23T12:00:00Z'));
  const sys = await system('held', {
    workers: 0,
    clock,
    config: {
      // A night window cheaper than on demand, so that a job with a day to finish is DEFERRED.
      calendar: [{ name: 'night', start: '0 22 * * *', durationMinutes: 480, timezone: 'UTC', spot: false, workers: 1 }],
      pricing: { classes: { cpu: { 'on-demand': 1000, night: 250 } } },
      deferral: { heavyPrice: 0, marginMinutes: 60 },
      limits: { tenants: { acme: { maxTokensHeld: 10_000 } } },
      registry: { leaseSeconds: 2, heartbeatSeconds: 1, syncMs: 100 },
      jobs: { backoffMs: 100 },
    },
  });
  const keys = new Keys(sys.prefix);
  const held = async (tenant = 'acme') => Number((await redis.get(keys.held(tenant))) ?? 0);
  const c = sys.client('acme');

  const deferred = await c.submit(job(3000, 1, { completionWindowSeconds: 86_400 }));
  assert.equal(deferred.state, 'JOB_STATE_DEFERRED');
  const queued = [await c.submit(job(3000, 2, { idempotencyKey: 'k2' })), await c.submit(job(3000, 3))];
  const over = await refusal(c.submit(job(3000, 4)));
  assert.equal(over.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(over.details, /^tenant acme's unfinished jobs may hold 10000 tokens, and hold 9000; this job's 3000 tokens would pass it by 2000$/);
  assert.ok(over.retryAfter >= 1);
  assert.equal(await held(), 9000, 'deferred and queued jobs hold their tokens');
  // Within one group (one script), exactly what fits.
  const group: SubmitStreamResponse__Output[] = [];
  await c.submitMany(Array.from({ length: 5 }, (_, i) => ({ requestId: String(i), job: job(500, 10 + i) })), (r) => group.push(r));
  const small = group.filter((r) => r.job).map((r) => r.job!.id);
  assert.equal(small.length, 2, 'two of 500 tokens fit in the 1,000 left');
  assert.equal(await held(), 10_000);
  // A repeated idempotency key returns the first job and holds nothing more.
  assert.equal((await c.submit(job(3000, 2, { idempotencyKey: 'k2' }))).id, queued[0]!.id);
  assert.equal(await held(), 10_000);
  // Another tenant has its own count, and the default limit.
  const other = await sys.client('other').submit(job(3000, 5));
  assert.equal(await held('other'), 3000);

  // Cancels give the tokens back: a DEFERRED job's and a QUEUED one's.
  await c.cancelJob(deferred.id);
  await c.cancelJob(small[0]!);
  assert.equal(await held(), 6500);
  // A result in the cache finishes its job at admission: it holds nothing.
  const cached = job(3000, 6);
  const cache = new ResultCache(redis, sys.prefix, schedulerConfig({}).cache);
  const spec = resolveOp('embed', null);
  await cache.store([{ key: cache.keyOf('acme', spec, cached.tokens as Buffer), kind: 'f32', bytes: Buffer.alloc(16) }], 'seeded-by-test');
  const hit = await c.submit(cached);
  assert.equal(hit.state, 'JOB_STATE_SUCCEEDED');
  assert.ok(hit.cached);
  assert.equal(await held(), 6500);
  // A job that fails on the worker: retried once (back to QUEUED, still held), then FAILED.
  const failing = await c.submit({ op: 'attention', tokens: packTokens(new Uint32Array(200).fill(3)), maxAttempts: 2 });
  assert.equal(await held(), 6700);

  // A worker registers, runs what is queued, and every final state gives its tokens back: nothing drifts.
  const workerConfig = join(mkdtempSync(join(tmpdir(), 'ns-held-')), 'worker.yaml');
  writeFileSync(workerConfig, 'limits:\n  maxSequenceLength:\n    attention: 100\n');
  const worker = await startWorkerProcess('held-w', { NIGHTSHIFT_SCHEDULER: sys.scheduler.address }, ['--config', workerConfig]);
  cleanups.push(() => worker.kill());
  const ids = [...queued.map((j) => j.id), small[1]!, failing.id];
  const events = await watchUntilFinal(c, ids, 60_000);
  await watchUntilFinal(sys.client('other'), [other.id], 60_000);
  assert.equal(events.get(failing.id)!.at(-1)!.state, 'JOB_STATE_FAILED');
  assert.equal(events.get(failing.id)!.at(-1)!.attempts, 2, 'retried once before it failed');
  for (const id of [...queued.map((j) => j.id), small[1]!]) assert.equal(events.get(id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  assert.equal(await held(), 0);
  assert.equal(await held('other'), 0);
  assert.equal(await redis.exists(keys.held('acme')), 0, 'the counter is gone at 0');
  // And the whole limit is there again.
  await c.submit(job(3000, 7, { completionWindowSeconds: 86_400 }));
  await c.submit(job(7000, 8, { completionWindowSeconds: 86_400 }));
  assert.equal(await held(), 10_000);
});

test('a 6 MB text over the tenant limit is tokenized only up to the limit, charged to its rate, and the next is refused untokenized; special-token strings are plain text', async () => {
  const per = 250_000;
  const limit = 200_000;
  const sys = await system('texts', {
    workers: 0,
    config: { limits: { tenants: { acme: { maxTokensPerJob: limit, tokensPerMinute: per }, tight: { maxTokensPerJob: 1000, tokensPerMinute: per } } } },
  });
  const keys = new Keys(sys.prefix);
  const level = async (tenant: string) => {
    const v = await redis.hget(keys.rate(tenant), 'level');
    return v === null ? null : Number(v);
  };
  // About 6 MB of varied words (under the 200,000 × 32 bytes the limit allows a text): over a million tokens, too many for any limit here.
  const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 100_003}x`);
  let text = '';
  for (let i = 0; text.length < 6_000_000; i++) text += `${words[i % words.length]} ${i % 97} `;
  text = text.slice(0, 6_000_000);
  const c = sys.client('acme');

  const first = await refusal(c.submit({ op: 'embed', text }));
  assert.equal(first.code, grpc.status.INVALID_ARGUMENT);
  const counted = Number(/^job\.text: more than 200000 tokens \(counting stopped at (\d+)\), above the limit of 200000 per job$/.exec(first.details)?.[1]);
  assert.ok(counted > limit && counted <= limit + 64, `counting stopped at ${counted}, just past the limit (the text holds millions)`);
  assert.equal(await level('acme'), per - counted, 'the tokens counted were charged to the full bucket');

  // The bucket is not empty yet: the next is tokenized (up to the limit) and charged too, into debt.
  const second = await refusal(c.submit({ op: 'embed', text }));
  assert.equal(second.code, grpc.status.INVALID_ARGUMENT);
  const debt = (await level('acme'))!;
  assert.ok(debt < 0 && debt >= -per, `in debt: ${debt}`);

  // In debt: refused before tokenizing, and not charged again.
  const third = await refusal(c.submit({ op: 'embed', text }));
  assert.equal(third.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(third.details, /^tenant acme is limited to 250000 tokens a minute, and its bucket is in debt by \d+ tokens \(texts it sent that were refused are charged\): long texts are refused untokenized for \d+\.\d s$/);
  assert.ok(third.retryAfter >= 20, `retry after ${third.retryAfter} s`);
  assert.equal(await level('acme'), debt, 'nothing charged for a text not tokenized');
  const quoted = await refusal(c.quote({ op: 'embed', text }));
  assert.equal(quoted.code, grpc.status.RESOURCE_EXHAUSTED, 'Quote tokenizes nothing for it either');
  // Nor is anything else of the tenant's admitted while the bucket is in debt.
  assert.equal((await refusal(c.submit(job(1000, 1)))).code, grpc.status.RESOURCE_EXHAUSTED);
  // Another tenant is not held up.
  assert.equal((await sys.client('other').submit({ op: 'embed', text: 'a short text' })).state, 'JOB_STATE_QUEUED');

  // A special-token string in a text is text, encoded as tiktoken encodes it, never a server error.
  const special = await sys.client('other').quote({ op: 'embed', text: '<|endoftext|>' });
  assert.equal(special.tokenCount, 7, '<|endoftext|> is 27,91,419,1440,919,91,29 as plain text');
  const mixed: SubmitStreamResponse__Output[] = [];
  await sys.client('other').submitMany(['one', 'two <|endoftext|>', 'three'].map((t, i) => ({ requestId: String(i), job: { op: 'embed', text: t } })), (r) => mixed.push(r));
  assert.deepEqual(mixed.map((r) => (r.job ? 'ok' : `${r.error!.code} ${r.error!.message}`)), ['ok', 'ok', 'ok']);

  // A text longer in bytes than the limit allows at jobs.maxBytesPerToken (32) is refused unread: nothing to charge.
  const tight = await refusal(sys.client('tight').submit({ op: 'embed', text }));
  assert.equal(tight.code, grpc.status.INVALID_ARGUMENT);
  assert.match(tight.details, /^job\.text: 6000000 bytes, more than the 32000 bytes allowed for 1000 tokens \(jobs\.maxBytesPerToken: 32\), above the limit of 1000 tokens per job$/);
  // Just over the bound: refused all the same.
  const inline = await refusal(sys.client('tight').submit({ op: 'embed', text: 'x'.repeat(32_001) }));
  assert.match(inline.details, /^job\.text: 32001 bytes, more than the 32000 bytes allowed/);
  assert.equal(await level('tight'), null, 'the bucket untouched');
});
