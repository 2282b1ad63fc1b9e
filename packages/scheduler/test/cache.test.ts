import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { packTokens } from '@nightshift/proto';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { ResultCache } from '../src/cache/index.js';
import { BatchKeys, encodeResults, resultRange, resultsGuard, type ItemResults } from '../src/batch-objects/index.js';
import { resolveOp } from '@nightshift/proto';

const systems: TestSystem[] = [];
const redis = new Redis(REDIS_URL);
after(async () => {
  for (const s of systems) await s.stop();
  redis.disconnect();
});

async function system(name: string, config: Record<string, unknown> = {}): Promise<TestSystem> {
  const s = await startSystem(name, { workers: 1, workerEnv: { NIGHTSHIFT_KERNELS: 'ts' }, config });
  systems.push(s);
  return s;
}

const doc = (seed: number, n = 300) => packTokens(Uint32Array.from({ length: n }, (_, i) => (seed * 7919 + i * 104_729) % 200_000));

test('identical content is computed once per tenant: the second job takes the cached result, costs nothing, and runs nowhere', async () => {
  const s = await system('cache-tenant');
  const acme = s.client('acme');
  const first = await acme.submit({ op: 'minhash', tokens: doc(1) });
  await watchUntilFinal(acme, [first.id]);
  const computed = await acme.getJob(first.id);
  assert.equal(computed.state, 'JOB_STATE_SUCCEEDED');
  assert.equal(computed.cached, false);
  assert.ok(computed.alonePrice > 0, 'what running alone on demand would cost is quoted');

  const again = await acme.submit({ op: 'minhash', tokens: doc(1), clientRef: 'again' });
  assert.notEqual(again.id, first.id, 'a new job, answered from the cache');
  assert.equal(again.state, 'JOB_STATE_SUCCEEDED', 'finished as it is created');
  assert.equal(again.cached, true);
  const read = await acme.getJob(again.id);
  assert.deepEqual(read.result?.signature, computed.result?.signature);
  assert.equal(read.cost, 0);
  assert.equal(read.batchId, '', 'it ran in no batch');
  assert.equal(read.clientRef, 'again');
  // A watcher of a cached job hears it is done at once.
  const events = await watchUntilFinal(acme, [again.id], 10_000);
  assert.deepEqual(events.get(again.id)!.map((e) => e.state), ['JOB_STATE_SUCCEEDED']);

  // Other params, or other tokens: other content, computed.
  const otherParams = await acme.submit({ op: 'minhash', params: { minhash: { numPerm: 64 } }, tokens: doc(1) });
  const otherTokens = await acme.submit({ op: 'minhash', tokens: doc(2) });
  assert.equal(otherParams.cached, false);
  assert.equal(otherTokens.cached, false);
  // Another tenant does not see acme's results (scope: tenant, the default).
  const globex = await s.client('globex').submit({ op: 'minhash', tokens: doc(1) });
  assert.equal(globex.cached, false);
  await watchUntilFinal(acme, [otherParams.id, otherTokens.id]);
  await watchUntilFinal(s.client('globex'), [globex.id]);

  // Kept in the tenant's hash of the day, for the retention (7 days by default) after the day ends, not forever.
  const keys = await redis.keys(`${s.prefix}:{t:acme}:cache:*`);
  assert.equal(keys.length, 1, "one hash: today's");
  assert.equal(await redis.hlen(keys[0]!), 3, 'one entry per distinct content');
  const ttl = await redis.ttl(keys[0]!);
  assert.ok(ttl > 7 * 86400 - 60 && ttl <= 8 * 86400, `ttl ${ttl}`);
});

test('shared scope reuses results across tenants; a disabled cache computes every job', async () => {
  const shared = await system('cache-shared', { cache: { scope: 'shared' } });
  const a = await shared.client('acme').submit({ op: 'embed', tokens: doc(3) });
  await watchUntilFinal(shared.client('acme'), [a.id]);
  const b = await shared.client('globex').submit({ op: 'embed', tokens: doc(3) });
  assert.equal(b.cached, true);
  assert.deepEqual(b.result?.vector, (await shared.client('acme').getJob(a.id)).result?.vector);

  const off = await system('cache-off', { cache: { enabled: false } });
  const c = off.client('acme');
  const x = await c.submit({ op: 'minhash', tokens: doc(4) });
  await watchUntilFinal(c, [x.id]);
  const y = await c.submit({ op: 'minhash', tokens: doc(4) });
  assert.equal(y.cached, false);
  assert.equal(y.state, 'JOB_STATE_QUEUED');
  await watchUntilFinal(c, [y.id]);
  assert.equal((await redis.keys(`${off.prefix}:*cache*`)).length, 0);
});

test('an idempotency key returns the same job for the same tenant, also to concurrent retries', async () => {
  const s = await system('idempotency');
  const acme = s.client('acme');
  // 20 concurrent retries of one submission, and a stream carrying the key twice.
  const tries = await Promise.all(Array.from({ length: 20 }, () => acme.submit({ op: 'minhash', tokens: doc(5), idempotencyKey: 'order-17' })));
  const ids = new Set(tries.map((j) => j.id));
  assert.equal(ids.size, 1, 'one job for one key');
  const streamed: string[] = [];
  await acme.submitMany(
    [0, 1].map((i) => ({ requestId: String(i), job: { op: 'minhash', tokens: doc(6), idempotencyKey: 'order-18' } })),
    (r) => streamed.push(r.job!.id),
  );
  assert.equal(new Set(streamed).size, 1);
  // The same key from another tenant is another job; a new key is a new job.
  const globex = await s.client('globex').submit({ op: 'minhash', tokens: doc(5), idempotencyKey: 'order-17' });
  assert.ok(!ids.has(globex.id));
  const fresh = await acme.submit({ op: 'minhash', tokens: doc(5), idempotencyKey: 'order-19' });
  assert.ok(!ids.has(fresh.id));
  // Once finished, the key still answers with the job, now SUCCEEDED.
  const [id] = ids;
  await watchUntilFinal(acme, [id!, streamed[0]!, fresh.id]);
  const later = await acme.submit({ op: 'minhash', tokens: doc(5), idempotencyKey: 'order-17' });
  assert.equal(later.id, id);
  assert.equal(later.state, 'JOB_STATE_SUCCEEDED');
  // acme has exactly the jobs it created: 3 of its own keys.
  assert.equal((await acme.listAllJobs()).length, 3);
  // The key expires with its job.
  const ttl = await redis.ttl(`${s.prefix}:{t:acme}:idem:order-17`);
  assert.ok(ttl > 0 && ttl <= 7 * 86400, `ttl ${ttl}`);
  await watchUntilFinal(s.client('globex'), [globex.id]);
});

test('an idempotency key longer than 256 characters is INVALID_ARGUMENT', async () => {
  const s = systems[0] ?? (await system('idempotency-bad'));
  await assert.rejects(s.client('acme').submit({ op: 'minhash', tokens: doc(7), idempotencyKey: 'k'.repeat(257) }), (err: Error & { code?: number; details?: string }) => {
    assert.equal(err.code, 3);
    assert.match(err.details ?? '', /job\.idempotency_key: must be at most 256 characters/);
    return true;
  });
});

test('the cache keeps a write of many results as one hash entry each, reads them in one round trip, lets them go after the retention, and purges one worker\'s alone', async () => {
  const prefix = testPrefix('cache-unit');
  try {
    const cache = new ResultCache(redis, prefix, { enabled: true, scope: 'tenant', retentionSeconds: 2 });
    const spec = resolveOp('minhash', null);
    const refs = Array.from({ length: 1000 }, (_, i) => cache.keyOf('acme', spec, doc(i, 20)));
    const value = (i: number) => Buffer.from(Uint32Array.of(i, i + 1).buffer);
    await cache.store(refs.slice(0, 600).map((key, i) => ({ key, kind: 'u32' as const, bytes: value(i) })), 'w1');
    await cache.store(refs.slice(600, 900).map((key, i) => ({ key, kind: 'u32' as const, bytes: value(600 + i) })), 'w2');
    const got = await cache.lookup(refs);
    assert.deepEqual(Array.from(got[599]!), [599, 600]);
    assert.deepEqual(Array.from(got[899]!), [899, 900]);
    assert.equal(got[950], undefined, 'never stored: a miss');
    assert.ok((await redis.keys(`${prefix}:*`)).length <= 4, 'a hash a bucket (and a worker index each), not a key a result');
    // w1 found untrustworthy: its 600 go, w2's stay.
    assert.equal(await cache.purge('w1'), 600);
    const after = await cache.lookup(refs);
    assert.equal(after.slice(0, 600).filter(Boolean).length, 0);
    assert.equal(after.slice(600, 900).filter(Boolean).length, 300);
    // Retention 2 s, buckets of 1 s: gone within 3 s.
    await new Promise((r) => setTimeout(r, 3200));
    assert.equal((await cache.lookup(refs)).filter(Boolean).length, 0);
  } finally {
    await dropPrefix(prefix);
  }
});

test('a cached reference reads the result where it lies, and misses once that value changes its layout or goes', async () => {
  const prefix = testPrefix('cache-ref');
  try {
    const cache = new ResultCache(redis, prefix, { enabled: true, scope: 'tenant', retentionSeconds: 60 });
    const spec = resolveOp('minhash', null);
    // A unit's results as the scheduler stores them: three items, the second with an empty result.
    const unit: ItemResults = { kind: 'u32', offsets: Uint32Array.of(0, 3, 3, 5), values: Uint32Array.of(1, 2, 3, 4, 5), failed: new Uint32Array(0), errors: [], cost: 0.5 };
    const at = `${prefix}:{bo:x}:res:0`;
    await redis.set(at, encodeResults(unit));
    const refs = [0, 1, 2].map((i) => cache.keyOf('acme', spec, doc(100 + i, 10)));
    await cache.store(refs.map((key, i) => ({ key, kind: 'u32' as const, ref: { key: at, guard: resultsGuard(unit)!, ...resultRange(unit, i) } })), 'w1');
    const got = await cache.lookup(refs);
    assert.deepEqual(got.map((r) => Array.from(r!)), [[1, 2, 3], [], [4, 5]]);
    // Results with a failure have no fixed layout: no reference to them.
    assert.equal(resultsGuard({ ...unit, failed: Uint32Array.of(1), errors: ['x'] }), undefined);
    // Run again with a failure and stored over the first: the layout moved, so every reference misses.
    await redis.set(at, encodeResults({ ...unit, offsets: Uint32Array.of(0, 3, 3, 3), values: Uint32Array.of(1, 2, 3), failed: Uint32Array.of(2), errors: ['refused'] }));
    assert.equal((await cache.lookup(refs)).filter(Boolean).length, 0);
    // Its batch removed: misses too.
    await redis.del(at);
    assert.equal((await cache.lookup(refs)).filter(Boolean).length, 0);

    // A unit's results key, packed: its batch's UUID and unit number in 20 bytes.
    const keys = new BatchKeys(prefix);
    const packing = new ResultCache(redis, prefix, { enabled: true, scope: 'tenant', retentionSeconds: 60 }, keys.resultsKeyCodec);
    const unitKey = keys.results('0f8e7d6c-5b4a-4392-8170-fedcba987654', 4_000_000_000);
    assert.equal(keys.resultsKeyCodec.unpack(keys.resultsKeyCodec.pack(unitKey)!), unitKey);
    assert.equal(keys.resultsKeyCodec.pack(`${prefix}:{bo:x}:res:1`), undefined, 'not a batch id: kept whole');
    await redis.set(unitKey, encodeResults(unit));
    const more = [3, 4, 5].map((i) => packing.keyOf('acme', spec, doc(200 + i, 10)));
    await packing.store(more.map((key, i) => ({ key, kind: 'u32' as const, ref: { key: unitKey, guard: resultsGuard(unit)!, ...resultRange(unit, i) } })), 'w1');
    assert.deepEqual((await packing.lookup(more)).map((r) => Array.from(r!)), [[1, 2, 3], [], [4, 5]]);
    const values = (await redis.hmgetBuffer((await redis.keys(`${prefix}:{t:acme}:cache:*`))[0]!, ...more.map((k) => k.split('\t')[1]!))) as Buffer[];
    assert.equal(values.length, 3);
    assert.ok(values.every((v) => v.length <= 2 + 2 + 10 + 12 + 20), `each reference at most 46 bytes: ${values.map((v) => v.length)}`);
    // A replica without the codec cannot read a packed key: a miss, not an error.
    assert.equal((await cache.lookup(more)).filter(Boolean).length, 0);
    await redis.del(unitKey);
  } finally {
    await dropPrefix(prefix);
  }
});
