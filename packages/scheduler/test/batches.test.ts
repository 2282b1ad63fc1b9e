// Issue 18: corpora as batch objects, end to end through real workers, a real Redis and real gRPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { packTokens, type Batch__Output, type BatchItem, type BatchItemResult__Output } from '@nightshift/proto';
import { Redis } from 'ioredis';
import { REDIS_URL } from './helpers/redis.js';
import { runOp } from '@nightshift/worker/kernels';
import { BatchClient } from '../src/index.js';
import { logNormalLengths } from '@nightshift/devtools';
import { startSystem, type TestSystem } from './helpers/system.js';
import { MINHASH_32, stoppedAfterTests } from './helpers/batch-fixtures.js';
import { rng } from './helpers/workload.js';
import { refusal } from './helpers/refusal.js';
import { Scrape } from './helpers/prometheus.js';

const { systems, clients } = stoppedAfterTests();
const { spec, header } = MINHASH_32;

/** n items of log-normal lengths (median 120), every 50th a copy of an earlier one. */
function corpus(n: number, seed: number): Array<{ customId: string; tokens: Uint32Array }> {
  const rand = rng(seed);
  const lengths = logNormalLengths(n, seed, { median: 120, max: 3000 });
  const out: Array<{ customId: string; tokens: Uint32Array }> = [];
  for (let i = 0; i < n; i++) {
    const tokens = i % 50 === 49 ? out[Math.floor(rand() * i)]!.tokens : Uint32Array.from({ length: Math.max(1, lengths[i]!) }, () => Math.floor(rand() * 200_000));
    out.push({ customId: `doc-${i}`, tokens });
  }
  return out;
}

const wire = (items: Array<{ customId: string; tokens: Uint32Array }>): BatchItem[] => items.map((it) => ({ customId: it.customId, tokens: packTokens(it.tokens) }));

async function collect(client: BatchClient, id: string, from = 0): Promise<BatchItemResult__Output[]> {
  const out: BatchItemResult__Output[] = [];
  for await (const r of client.results(id, from)) out.push(r);
  return out;
}

function assertResults(got: BatchItemResult__Output[], items: Array<{ customId: string; tokens: Uint32Array }>, from = 0): void {
  assert.equal(got.length, items.length - from);
  for (let k = 0; k < got.length; k++) {
    const i = from + k;
    const r = got[k]!;
    assert.equal(Number(r.index), i, `result ${k} is item ${i}'s`);
    assert.equal(r.customId, items[i]!.customId);
    assert.equal(r.error, undefined, `item ${i}: ${r.error}`);
    assert.deepEqual(r.result?.signature, Array.from(runOp(spec, items[i]!.tokens)), `item ${i}'s signature`);
  }
}

test('a batch of 20,000 items of mixed lengths runs on two workers in units; every result equals the reference, in input order, and a bad item fails alone', async () => {
  const sys = await startSystem('batch-20k', { workers: 2, config: { batches: { unitMaxPaddedTokens: 131_072 } } });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const items = corpus(20_000, 18);
  // An empty item: the worker refuses it, alone.
  items[777] = { customId: 'empty', tokens: new Uint32Array(0) };
  const created = await client.create({ ...header, idempotencyKey: 'corpus-20k', labels: { run: 'nightly' } }, wire(items), { itemsPerMessage: 700 });
  assert.equal(created.state, 'BATCH_STATE_QUEUED');
  assert.equal(created.items?.total, '20000');
  assert.ok(created.units > 20, `${created.units} units`);
  // Copies within a planning window (32,768 items or 16 MiB of tokens) are found; across windows they run again.
  const dups = Number(created.items?.duplicates);
  assert.ok(dups >= 200 && dups <= 400, `${dups} of the 400 copies found`);
  assert.ok(created.quote && created.quote.price > 0, 'quoted');
  assert.deepEqual(created.labels, { run: 'nightly' });

  // Results stream as units finish, in input order.
  const got = await collect(client, created.id);
  const empty = got[777]!;
  assert.match(empty.error ?? '', /empty item/);
  got.splice(777, 1);
  const rest = items.filter((_, i) => i !== 777);
  assert.equal(got.length, rest.length);
  for (let k = 0; k < got.length; k++) {
    const r = got[k]!;
    const it = rest[k]!;
    assert.equal(r.customId, it.customId);
    assert.deepEqual(r.result?.signature, Array.from(runOp(spec, it.tokens)), `${it.customId}'s signature`);
  }
  assert.equal(got.filter((r) => r.cost === 0).length, dups, 'a copy costs nothing');

  const done = await client.wait(created.id);
  assert.equal(done.state, 'BATCH_STATE_SUCCEEDED');
  assert.equal(done.items?.succeeded, '19999');
  assert.equal(done.items?.failed, '1');
  assert.equal(done.items?.pending, '0');
  assert.equal(done.unitsDone, done.units);
  assert.ok(done.cost > 0);
  const total = got.reduce((a, r) => a + r.cost, 0) + empty.cost;
  assert.ok(Math.abs(total - done.cost) < 1e-9 * done.cost + 1e-15, `item shares add up to the batch's cost: ${total} vs ${done.cost}`);

  // Resumed from an index; and the same key finds the same batch.
  assertResults((await collect(client, created.id, 19_990)), items, 19_990);
  const again = await client.create({ ...header, idempotencyKey: 'corpus-20k' }, wire(items.slice(0, 10)));
  assert.equal(again.id, created.id);
  const listed = await client.listBatches({ states: [], pageSize: 10, pageToken: '' });
  assert.deepEqual(listed.batches.map((b) => b.id), [created.id]);
});

test('an upload cut off mid-stream resumes with the same key: the server says what it holds, and no item is lost or stored twice', async () => {
  const sys = await startSystem('batch-resume', { workers: 1 });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const items = corpus(9000, 7);
  const cut = 3000 + Math.floor(rng(Date.now())() * 4000);
  // The first stream sends `cut` items and dies (a client crash): its call is cancelled mid-upload.
  const first = client.create({ ...header, idempotencyKey: 'resume-me' }, (async function* () {
    for (let i = 0; i < cut; i++) yield wire([items[i]!])[0]!;
    await new Promise((r) => setTimeout(r, 300));
    throw new Error('client crashed');
  })(), { itemsPerMessage: 100 });
  await assert.rejects(first, /client crashed/);
  // The cut stream commits what it got as it closes: the items the server holds from then on.
  let held = 0;
  for (let tries = 0; held === 0 && tries < 100; tries++) {
    const [b] = (await client.listBatches({ states: [], pageSize: 1, pageToken: '' })).batches;
    held = Number(b?.items?.total ?? 0);
    if (held === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(held, Math.floor(cut / 100) * 100, 'every item the cut stream sent (its messages carry 100)');
  let stored = -1;
  const b = await client.create({ ...header, idempotencyKey: 'resume-me' }, wire(items), { onStored: (n) => (stored = n) });
  assert.equal(stored, held, 'the server says what it holds, and the client sends the rest');
  assert.equal(b.items?.total, '9000');
  await client.wait(b.id);
  assertResults(await collect(client, b.id), items);
});

test('a batch over its budget is refused whole, naming the budget and by how much; over its max_cost likewise; nothing stays reserved', async () => {
  const sys = await startSystem('batch-refused', { workers: 1, config: { limits: { defaults: { budget: 1e-9 } } } });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const items = wire(corpus(2000, 3));
  const over = await refusal(client.create({ ...header, idempotencyKey: 'too-dear' }, items));
  assert.equal(over.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(over.details, /budget for .* is \$1\.00e-9: .*this batch's quote of \$\S+ would pass it by \$\S+/);
  const capped = await refusal(client.create({ ...header, idempotencyKey: 'capped', maxCost: 1e-12 }, items));
  assert.equal(capped.code, grpc.status.FAILED_PRECONDITION);
  assert.match(capped.details, /max_cost: quoted \$\S+ .* above its max_cost of \$1\.00e-12 by \$/);
  const listed = await client.listBatches({ states: ['BATCH_STATE_FAILED'], pageSize: 0, pageToken: '' });
  assert.equal(listed.batches.length, 2);
  for (const b of listed.batches) assert.ok(b.error.length > 0);
  const usage = await sys.client('acme').getUsage();
  assert.equal(usage.current?.reserved, 0);
});

test('a batch cancelled mid-run stops its units, releases its reservation, and keeps the results it got', async () => {
  const sys = await startSystem('batch-cancel', { workers: 1, config: { batches: { unitMaxPaddedTokens: 16_384, unitsAhead: 1 } } });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const items = corpus(6000, 11);
  const b = await client.create({ ...header, idempotencyKey: 'cancel-me' }, wire(items));
  for await (const w of client.watch(b.id)) if (w.unitsDone >= 2) break;
  const cancelled = await client.cancelBatch(b.id);
  assert.equal(cancelled.state, 'BATCH_STATE_CANCELLED');
  const results = await collect(client, b.id);
  assert.equal(results.length, 6000);
  const ran = results.filter((r) => r.result);
  const skipped = results.filter((r) => r.error);
  assert.ok(ran.length > 0 && skipped.length > 0, `${ran.length} ran, ${skipped.length} not`);
  for (const r of skipped) assert.match(r.error!, /not run/);
  for (const r of ran) assert.deepEqual(r.result?.signature, Array.from(runOp(spec, items[Number(r.index)]!.tokens)));
  const final = await client.getBatch(b.id);
  assert.equal(Number(final.items?.cancelled), skipped.length);
  const usage = await sys.client('acme').getUsage();
  assert.equal(usage.current?.reserved, 0, 'its reservation released');
  assert.ok((usage.current?.spent ?? 0) > 0, 'what ran is charged');
});

test('a batch whose items were all computed before finishes from the result cache without touching a worker; one with some new items runs only those', async () => {
  const sys = await startSystem('batch-cache', { workers: 1 });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const items = corpus(3000, 5);
  const first = await client.create({ ...header, idempotencyKey: 'first' }, wire(items));
  await client.wait(first.id);
  // The cache holds references to the batch's stored results, not a second copy of them.
  const redis = new Redis(REDIS_URL);
  try {
    let entries: Buffer[] = [];
    for (const key of await redis.keys(`${sys.prefix}:{t:acme}:cache:*`)) entries = entries.concat(Object.values(await redis.hgetallBuffer(key)));
    assert.equal(entries.length, new Set(items.map((it) => Buffer.from(it.tokens.buffer, it.tokens.byteOffset, it.tokens.byteLength).toString('base64'))).size, 'an entry for each distinct item');
    assert.ok(entries.every((v) => v[0] === 0x55), 'each entry a reference (U), none a copy');
    assert.ok(entries.every((v) => v.length < 64 && v.includes(Buffer.from(first.id.replace(/-/g, ''), 'hex'))), 'each a few dozen bytes naming a unit of the batch');
  } finally {
    redis.disconnect();
  }
  const again = await client.create({ ...header, idempotencyKey: 'again' }, wire(items));
  assert.equal(again.state, 'BATCH_STATE_SUCCEEDED');
  assert.equal(again.units, 0, 'no unit: nothing ran');
  assert.equal(again.items?.cached, '3000');
  assert.equal(again.items?.succeeded, '3000');
  assert.match(again.placement, /every item came from the result cache/);
  const got = await collect(client, again.id);
  assertResults(got, items);
  assert.ok(got.every((r) => r.cached && r.cost === 0));
  // A tenant's cache is its own.
  const other = new BatchClient(sys.scheduler.address, 'globex');
  clients.push(other);
  assert.equal((await other.create({ ...header, idempotencyKey: 'globex' }, wire(items.slice(0, 100)))).items?.cached, '0');
  // Half new: only those run.
  const mixed = [...items.slice(0, 1000), ...corpus(1000, 99)];
  const m = await client.create({ ...header, idempotencyKey: 'mixed' }, wire(mixed));
  assert.equal(m.items?.cached, '1000');
  await client.wait(m.id);
  const mine = await collect(client, m.id);
  assertResults(mine, mixed);
  assert.equal(mine.filter((r) => r.cached).length, 1000);
});

test('metrics and the dashboard show an active batch: its items by outcome, cost against quote, and its ETA', async () => {
  const sys = await startSystem('batch-metrics', { workers: 1, config: { metricsListen: '127.0.0.1:0', batches: { unitMaxPaddedTokens: 8192, unitsAhead: 1 } } });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const b = await client.create({ ...header, idempotencyKey: 'watched' }, wire(corpus(4000, 21)));
  let seen: BatchObjectSeen | undefined;
  for await (const w of client.watch(b.id)) {
    if (w.unitsDone < 2 || w.state !== 'BATCH_STATE_RUNNING') continue;
    const scrape = await Scrape.of(sys.scheduler.metricsAddress);
    const state = (await (await fetch(`http://${sys.scheduler.metricsAddress}/dashboard/state`)).json()) as { batchObjects: BatchObjectSeen[] };
    seen = state.batchObjects.find((x) => x.id === b.id);
    if (!seen || seen.unitsDone === seen.units) continue;
    assert.ok(scrape.sum('nightshift_batch_object_items', { batch: b.id, outcome: 'succeeded' }) > 0);
    assert.ok(scrape.sum('nightshift_batch_object_items', { batch: b.id, outcome: 'pending' }) > 0);
    assert.equal(scrape.sum('nightshift_batch_object_items', { batch: b.id }), 4000);
    assert.ok(scrape.sum('nightshift_batch_object_dollars', { batch: b.id, kind: 'quote' }) > 0);
    assert.ok(scrape.sum('nightshift_batch_object_dollars', { batch: b.id, kind: 'cost' }) > 0);
    assert.ok(scrape.sum('nightshift_batch_object_eta_seconds', { batch: b.id }) * 1000 > Date.now() - 60_000);
    assert.equal(scrape.sum('nightshift_batch_objects', { state: 'RUNNING' }), 1);
    break;
  }
  assert.ok(seen, 'the dashboard listed the batch while it ran');
  assert.ok(seen.quote > 0 && seen.items === 4000);
  await client.wait(b.id);
  const after = await Scrape.of(sys.scheduler.metricsAddress);
  assert.equal(after.sum('nightshift_batch_object_items', { batch: b.id }), 0, 'gone once final');
});

interface BatchObjectSeen {
  id: string;
  items: number;
  units: number;
  unitsDone: number;
  quote: number;
}

test('an upload nobody adds to is cancelled after batches.uploadIdleSeconds, and a final batch is removed, every key of it, once its retention is over', async () => {
  const sys = await startSystem('batch-retention', { workers: 1, config: { jobs: { retentionSeconds: 2 }, batches: { uploadIdleSeconds: 2, pollMs: 50, planWindowItems: 500 } } });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const items = corpus(2000, 8);
  const done = await client.create({ ...header, idempotencyKey: 'kept-for-a-while' }, wire(items));
  await client.wait(done.id);
  // An upload whose client went away for good after a few windows.
  await assert.rejects(
    client.create({ ...header, idempotencyKey: 'abandoned' }, (async function* () {
      yield* wire(items.slice(0, 1200));
      await new Promise((r) => setTimeout(r, 200));
      throw new Error('client gone');
    })(), { itemsPerMessage: 100 }),
    /client gone/,
  );
  const redis = new Redis(REDIS_URL);
  try {
    let abandoned: Batch__Output | undefined;
    for (let i = 0; i < 200 && abandoned?.state !== 'BATCH_STATE_CANCELLED'; i++) {
      abandoned = (await client.listBatches({ states: [], pageSize: 10, pageToken: '' })).batches.find((b) => b.idempotencyKey === 'abandoned');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(abandoned?.state, 'BATCH_STATE_CANCELLED');
    assert.match(abandoned!.error, /upload abandoned: no items stored for 2 s/);
    assert.ok(Number(abandoned!.items?.total) >= 1000, 'it keeps the windows it stored');
    // Retention (2 s) over: the finished batch is gone, key by key.
    let left = -1;
    for (let i = 0; i < 200 && left !== 0; i++) {
      left = (await redis.keys(`${sys.prefix}:{bo:${done.id}}*`)).length;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(left, 0);
    const gone = await refusal(client.getBatch(done.id));
    assert.equal(gone.code, grpc.status.NOT_FOUND);
    assert.equal(await redis.get(`${sys.prefix}:{t:acme}:batch-idem:kept-for-a-while`), null, 'its idempotency key is free again');
    assert.ok(!(await client.listBatches({ states: [], pageSize: 10, pageToken: '' })).batches.some((b) => b.id === done.id));
  } finally {
    await redis.quit();
  }
});

test('an item longer than jobs.maxTokensPerJob fails alone with its own error, and the rest of its batch runs', async () => {
  const sys = await startSystem('batch-too-long', { workers: 1, config: { jobs: { maxTokensPerJob: 4096 } } });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const items = corpus(300, 4).map((it) => ({ ...it, tokens: it.tokens.subarray(0, 1000) }));
  items[5] = { customId: 'huge', tokens: Uint32Array.from({ length: 5000 }, (_, k) => k) };
  const b = await client.create({ ...header, idempotencyKey: 'with-a-huge-one' }, wire(items));
  await client.wait(b.id);
  const got = await collect(client, b.id);
  assert.equal(got[5]!.customId, 'huge');
  assert.equal(got[5]!.error, '5000 tokens, above the limit of 4096 (jobs.maxTokensPerJob)');
  assert.equal(got[5]!.cached, false);
  assertResults([...got.slice(0, 5), ...got.slice(6)].map((r, k) => ({ ...r, index: String(k) })), items.filter((_, i) => i !== 5));
  const done = await client.getBatch(b.id);
  assert.equal(done.items?.failed, '1');
  assert.equal(done.items?.succeeded, '299');
  assert.equal(done.state, 'BATCH_STATE_SUCCEEDED');
});
