// Issue 18: a batch that declares its size is admitted at its header and runs while it uploads.
// Real workers, a real Redis, real gRPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { packTokens, type BatchItem, type BatchItemResult__Output } from '@nightshift/proto';
import { Redis } from 'ioredis';
import { runOp } from '@nightshift/worker/kernels';
import { BatchClient } from '../src/index.js';
import { BatchKeys, ItemStore } from '../src/batch-objects/index.js';
import { REDIS_URL } from './helpers/redis.js';
import { startSystem, type TestSystem } from './helpers/system.js';
import { MINHASH_32, stoppedAfterTests } from './helpers/batch-fixtures.js';
import { rng } from './helpers/workload.js';
import { refusal } from './helpers/refusal.js';

const { systems, clients } = stoppedAfterTests();
const { spec, header } = MINHASH_32;

function corpus(n: number, seed: number): Array<{ customId: string; tokens: Uint32Array }> {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({ customId: `doc-${i}`, tokens: Uint32Array.from({ length: 20 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 200_000)) }));
}

const wire = (it: { customId: string; tokens: Uint32Array }): BatchItem => ({ customId: it.customId, tokens: packTokens(it.tokens) });
const tokensOf = (items: Array<{ tokens: Uint32Array }>) => items.reduce((a, it) => a + it.tokens.length, 0);

async function system(name: string, config: Record<string, unknown> = {}): Promise<{ sys: TestSystem; client: BatchClient }> {
  // Small planning windows: a window's units run while the next one is uploaded.
  const sys = await startSystem(name, { workers: 1, config: { batches: { planWindowItems: 500, ...(config.batches as object) }, ...config } });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  return { sys, client };
}

test('a batch that declares its size is admitted at its header, its units run while the upload is open, and the close trues its reservation down to what was uploaded', async () => {
  const { sys, client } = await system('batch-declared');
  const items = corpus(3000, 5);
  const tokens = tokensOf(items);
  let id = '';
  let during: Awaited<ReturnType<BatchClient['getBatch']>> | undefined;
  let usageDuring = 0;
  let closing = 0;
  // Declares three times its tokens: a bound, as the texts' bytes are for text items.
  const created = await client.create(
    { ...header, idempotencyKey: 'declared', declaredItems: items.length, declaredTokens: 3 * tokens },
    (async function* () {
      for (const it of items.slice(0, 1500)) yield wire(it);
      // The upload pauses, still open, until a unit of what was sent has run.
      for (let k = 0; k < 600; k++) {
        during = await client.getBatch(id);
        if (during.unitsDone > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      usageDuring = (await sys.client('acme').getUsage()).current?.reserved ?? 0;
      for (const it of items.slice(1500)) yield wire(it);
      closing = Date.now();
    })(),
    { itemsPerMessage: 250, onStored: (_, batchId) => (id = batchId) },
  );
  assert.ok(during, 'looked at while uploading');
  assert.ok(during.unitsDone > 0, `a unit ran while the upload was open (${during.unitsDone} done)`);
  assert.equal(during.uploadOpen, true);
  assert.match(during.state, /BATCH_STATE_(QUEUED|RUNNING)/);
  assert.equal(during.declaredItems, '3000');
  const declaredPrice = during.quote?.price ?? 0;
  assert.ok(declaredPrice > 0 && usageDuring > 0, 'the declared size was quoted and reserved');
  assert.equal(created.uploadOpen, false);
  assert.equal(created.items?.total, '3000');
  assert.ok((created.quote?.price ?? 0) < declaredPrice, `trued down from ${declaredPrice} to ${created.quote?.price}`);
  // The ETA set at the header was for the declared size; the true-up sets it again for what is left.
  const redis = new Redis(REDIS_URL);
  const eta = Number(await redis.hget(new BatchKeys(sys.prefix).meta(created.id), 'eta'));
  redis.disconnect();
  assert.ok(closing > 0 && eta >= closing, `the ETA (${eta}) counts from the close (${closing}) on`);

  const got: BatchItemResult__Output[] = [];
  for await (const r of client.results(created.id)) got.push(r);
  assert.equal(got.length, items.length);
  got.forEach((r, i) => {
    assert.equal(Number(r.index), i);
    assert.equal(r.customId, items[i]!.customId);
    assert.deepEqual(r.result?.signature, Array.from(runOp(spec, items[i]!.tokens)), `item ${i}`);
  });
  const done = await client.wait(created.id);
  assert.equal(done.state, 'BATCH_STATE_SUCCEEDED');
  assert.equal(done.unitsDone, done.units);
  const usage = await sys.client('acme').getUsage();
  assert.equal(usage.current?.reserved, 0, 'nothing stays reserved');
  assert.ok(Math.abs((usage.current?.spent ?? 0) - done.cost) < 1e-12 + 1e-9 * done.cost, 'what it cost is what was charged');
});

test('a declared size over the budget is refused whole at the header, before any item is read; an upload that passes its declared size fails, and releases what it held', async () => {
  const { sys, client } = await system('batch-declared-refused', { limits: { defaults: { budget: 1e-9 } } });
  let read = 0;
  const over = await refusal(
    client.create({ ...header, idempotencyKey: 'too-big', declaredItems: 100_000, declaredTokens: 50_000_000 }, (function* () {
      for (const it of corpus(10, 1)) {
        read++;
        yield wire(it);
      }
    })()),
  );
  assert.equal(over.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(over.details, /budget for .* is \$1\.00e-9: .*this batch's quote of \$\S+ would pass it by \$\S+/);
  assert.equal(read, 0, 'no item was read');
  const [refused] = (await client.listBatches({ states: ['BATCH_STATE_FAILED'], pageSize: 0, pageToken: '' })).batches;
  assert.equal(refused?.items?.total, '0');

  const { client: free, sys: sys2 } = await system('batch-declared-passed');
  const items = corpus(1200, 2);
  const passed = await refusal(free.create({ ...header, idempotencyKey: 'passes', declaredItems: 1000, declaredTokens: 10 * tokensOf(items) }, items.map(wire), { itemsPerMessage: 100 }));
  assert.equal(passed.code, grpc.status.FAILED_PRECONDITION);
  assert.match(passed.details, /declared 1000 items .* may not pass it/);
  const tight = await refusal(free.create({ ...header, idempotencyKey: 'too-many-tokens', declaredItems: 1200, declaredTokens: tokensOf(items.slice(0, 600)) }, items.map(wire), { itemsPerMessage: 100 }));
  assert.equal(tight.code, grpc.status.FAILED_PRECONDITION);
  assert.match(tight.details, /declared \d+ tokens .* passes it/);
  const failed = (await free.listBatches({ states: ['BATCH_STATE_FAILED'], pageSize: 0, pageToken: '' })).batches;
  assert.equal(failed.length, 2);
  for (const b of failed) assert.equal(b.uploadOpen, false);
  assert.equal((await sys2.client('acme').getUsage()).current?.reserved, 0, 'nothing stays reserved');
  assert.equal((await sys.client('acme').getUsage()).current?.reserved, 0);
});

test('a declared batch cut off mid-upload resumes with the same key and runs every item once', async () => {
  const { sys, client } = await system('batch-declared-resume');
  const items = corpus(2400, 9);
  const size = { declaredItems: items.length, declaredTokens: tokensOf(items) };
  const first = client.create({ ...header, idempotencyKey: 'resume', ...size }, (async function* () {
    for (const it of items.slice(0, 1300)) yield wire(it);
    await new Promise((r) => setTimeout(r, 300));
    throw new Error('client crashed');
  })(), { itemsPerMessage: 100 });
  await assert.rejects(first, /client crashed/);
  let stored = -1;
  const b = await client.create({ ...header, idempotencyKey: 'resume', ...size }, items.map(wire), { itemsPerMessage: 100, onStored: (k) => (stored = k) });
  assert.ok(stored >= 500 && stored <= 1300, `${stored} items were kept from the first stream`);
  const got: BatchItemResult__Output[] = [];
  for await (const r of client.results(b.id)) got.push(r);
  assert.equal(got.length, items.length);
  got.forEach((r, i) => assert.deepEqual(r.result?.signature, Array.from(runOp(spec, items[i]!.tokens)), `item ${i}`));
  const done = await client.wait(b.id);
  assert.equal(done.state, 'BATCH_STATE_SUCCEEDED');
  assert.equal(done.items?.succeeded, String(items.length));
  assert.equal((await sys.client('acme').getUsage()).current?.reserved, 0);
});

test('a declared upload closed by a scheduler that died before its true-up is trued up by the sweeper, and finishes with what it holds', async () => {
  const { sys, client } = await system('batch-declared-sweep');
  const items = corpus(1000, 4);
  let id = '';
  let declaredPrice = 0;
  const redis = new Redis(REDIS_URL);
  try {
    const cut = client.create({ ...header, idempotencyKey: 'closed-then-lost', declaredItems: items.length, declaredTokens: 3 * tokensOf(items) }, (async function* () {
      for (const it of items) yield wire(it);
      // The first window (500 items) is stored; the second waits for the close. The scheduler closes the
      // upload (as its stream's end would) and is gone before it trues the batch up: here, the stream is cut.
      for (let b = await client.getBatch(id); Number(b.items?.total) < 500; b = await client.getBatch(id)) await new Promise((r) => setTimeout(r, 50));
      declaredPrice = (await client.getBatch(id)).quote?.price ?? 0;
      assert.equal(await new ItemStore(redis, sys.prefix).close(id), true);
      throw new Error('scheduler gone');
    })(), { itemsPerMessage: 100, onStored: (_, batchId) => (id = batchId) });
    await assert.rejects(cut, /scheduler gone/);
    const done = await client.wait(id);
    assert.equal(done.state, 'BATCH_STATE_SUCCEEDED');
    assert.equal(done.uploadOpen, false);
    assert.equal(done.items?.total, '500', 'what was stored before the close');
    assert.ok(declaredPrice > 0 && (done.quote?.price ?? 0) < declaredPrice, `trued down from ${declaredPrice} to ${done.quote?.price}`);
    const got: BatchItemResult__Output[] = [];
    for await (const r of client.results(id)) got.push(r);
    assert.equal(got.length, 500);
    got.forEach((r, i) => assert.deepEqual(r.result?.signature, Array.from(runOp(spec, items[i]!.tokens)), `item ${i}`));
    assert.equal((await sys.client('acme').getUsage()).current?.reserved, 0, 'nothing stays reserved');
  } finally {
    redis.disconnect();
  }
});
