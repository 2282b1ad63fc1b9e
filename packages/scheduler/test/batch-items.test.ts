// Issue 18: a batch object's items stored as planned windows of packed units, resumable, never a key per item.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { priorState } from '../src/pricing/index.js';
import { schedulerConfig } from '../src/config/scheduler-config.js';
import {
  BatchKeys, BatchPlanner, decodeResults, decodeUnit, decodeWindow, DUPLICATE, encodeResults, ItemStore, itemCosts, resultRange, segmentCosts, type Item, type ItemResults,
} from '../src/batch-objects/index.js';
import { loadNightshift, packTokens, type BatchResults__Output } from '@nightshift/proto';
import { encodeBatchResults } from '../src/api/batch-results-wire.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { rng } from './helpers/workload.js';

const redis = new Redis(REDIS_URL);
const prefix = testPrefix('batch-items');
after(async () => {
  await dropPrefix(prefix);
  await redis.quit();
});

const rand = rng(18);
type Doc = { customId: string; tokens: Uint32Array };
const asItem = (d: Doc): Item => ({ customId: d.customId, bytes: packTokens(d.tokens) });
function items(n: number, from = 0): Doc[] {
  return Array.from({ length: n }, (_, i) => ({
    // Empty, ASCII, and multi-byte ids; empty and long token sequences.
    customId: (from + i) % 97 === 0 ? '' : `doc-${from + i}${(from + i) % 5 === 0 ? '-é☃𝄞' : ''}`,
    tokens: Uint32Array.from({ length: (from + i) % 13 === 0 ? 0 : 1 + Math.floor(rand() * 600) }, () => Math.floor(rand() * 2 ** 32)),
  }));
}

const config = schedulerConfig({});
const models = { current: () => priorState(config.pricing.prior.minhash, config.pricing.priorVariance) };
const unit = { batch: { maxItems: 64, maxPaddedTokens: 16_384, unitCostTokens: 256 }, unit: { maxItems: 200, maxPaddedTokens: 16_384 } };

/** Every item back from the windows and units, in input order: ids from the window records, tokens from the units (or the item a copy names). */
async function readBack(keys: BatchKeys, id: string, windows: number): Promise<Doc[]> {
  const out: Doc[] = [];
  for (let w = 0; w < windows; w++) {
    const win = decodeWindow((await redis.getBuffer(keys.window(id, w)))!);
    const units = await Promise.all(Array.from({ length: win.unitTo - win.unitFrom }, async (_, u) => decodeUnit((await redis.getBuffer(keys.unit(id, win.unitFrom + u)))!)));
    const start = out.length;
    win.customIds.forEach((customId, i) => {
      let at = i;
      if (win.where[2 * i] === DUPLICATE) at = win.where[2 * i + 1]!;
      const u = units[win.where[2 * at]!]!;
      const p = win.where[2 * at + 1]!;
      assert.equal(u.indices[p], at, 'a unit names its items');
      out.push({ customId, tokens: u.tokens.slice(u.offsets[p]!, u.offsets[p + 1]!) });
    });
    assert.equal(win.first, start);
  }
  return out;
}

test('an upload commits whole windows once, refuses a window sent twice, resumes from what is stored, and reads back exactly, with no key per item', async () => {
  const keys = new BatchKeys(prefix);
  const store = new ItemStore(redis, prefix);
  const planner = new BatchPlanner(redis, keys, models, () => ['cpu']);
  const header = { spec: '{}', priority: '0' };
  const { id, created } = await store.open('acme', 'nightly-2026-12-04', header);
  assert.equal(created, true);
  assert.deepEqual(await store.open('acme', 'nightly-2026-12-04', header), { id, created: false }, 'the key finds the same batch');

  const all = items(2500);
  // A few copies: computed once, read back as themselves.
  all[1700] = { customId: 'copy', tokens: all[10]!.tokens };
  let at = { items: 0, windows: 0, units: 0, tokens: 0 };
  for (let from = 0; from < 2000; from += 700) {
    const p = planner.plan(all.slice(from, Math.min(2000, from + 700)).map(asItem), at.items, at.units, 'minhash', unit);
    const r = await planner.commit(id, at.windows, p);
    assert.equal(r.stored, true);
    // Sent again (a client that resumed while its dead stream committed): refused, and told where the upload stands.
    assert.deepEqual(await planner.commit(id, at.windows, p), { stored: false, open: true, items: r.items, windows: r.windows });
    at = { items: r.items, windows: r.windows, units: at.units + p.units.length, tokens: at.tokens + p.tokens };
  }
  assert.deepEqual(await store.progress(id), { state: 'UPLOADING', ...at });
  // Resumed: the rest.
  const last = planner.plan(all.slice(2000).map(asItem), at.items, at.units, 'minhash', unit);
  assert.equal((await planner.commit(id, at.windows, last)).items, 2500);
  assert.equal(await store.close(id), true);
  assert.equal(await store.close(id), false, 'closed once');
  const late = planner.plan(items(3, 2500).map(asItem), 2500, at.units + last.units.length, 'minhash', unit);
  assert.equal((await planner.commit(id, at.windows + 1, late)).open, false, 'nothing is committed once closed');

  const totals = await planner.totals(id);
  assert.equal(totals.items, 2500);
  // Copies are found within a window (the empty items too: they are all alike).
  const windowOf = (i: number) => (i < 2000 ? Math.floor(i / 700) : 3);
  const same = (a: Doc, b: Doc) => a.tokens.length === b.tokens.length && a.tokens.every((t, k) => t === b.tokens[k]);
  assert.equal(totals.duplicates, [...all.keys()].filter((i) => all.findIndex((x, j) => windowOf(j) === windowOf(i) && same(x, all[i]!)) < i).length);
  assert.equal(totals.tokens, all.reduce((n, it) => n + it.tokens.length, 0));
  assert.ok(totals.paddedTokens >= totals.tokens && totals.seconds.cpu! > 0);
  const back = await readBack(keys, id, 4);
  assert.equal(back.length, all.length);
  for (let i = 0; i < all.length; i++) {
    assert.equal(back[i]!.customId, all[i]!.customId, `item ${i}'s id`);
    assert.deepEqual(Array.from(back[i]!.tokens), Array.from(all[i]!.tokens), `item ${i}'s tokens`);
  }
  // No key per item: the record, the idempotency key, the tenant's list, the active batches, the windows and the units.
  const stored = await redis.keys(`${prefix}:*`);
  assert.equal(stored.length, 4 + 4 + totals.units);
  assert.notEqual((await store.open('globex', 'nightly-2026-12-04', header)).id, id, "another tenant's key is its own batch");
});

test('a unit\'s results pack into one value and come back exactly, failures and cost included', () => {
  const values = Float32Array.from({ length: 12 }, (_, i) => i / 3);
  const r = { kind: 'f32' as const, offsets: Uint32Array.of(0, 4, 4, 8, 12), values, failed: Uint32Array.of(1), errors: ['empty item: 0 tokens ☃'], cost: 1.25e-7 };
  const back = decodeResults(encodeResults(r));
  assert.deepEqual(back.kind, 'f32');
  assert.deepEqual(Array.from(back.offsets), [0, 4, 4, 8, 12]);
  assert.deepEqual(Array.from(back.values), Array.from(values));
  assert.deepEqual(Array.from(back.failed), [1]);
  assert.deepEqual(back.errors, ['empty item: 0 tokens ☃']);
  assert.equal(back.cost, 1.25e-7);
});

test('a unit\'s cost is shared by kernel batch, by their measured seconds: a long item\'s batch costs more; results stored before that share equally', () => {
  // Five items in two kernel batches: [0, 2) short, [2, 5) long; the second took three times the seconds.
  const segments = segmentCosts(8, Uint32Array.of(0, 2, 5), [0.5, 1.5]);
  assert.deepEqual(Array.from(segments!.ends), [2, 5]);
  assert.deepEqual(Array.from(segments!.costs), [2, 6]);
  const r: ItemResults = { kind: 'u32', offsets: Uint32Array.of(0, 1, 2, 3, 4, 5), values: Uint32Array.of(1, 2, 3, 4, 5), failed: Uint32Array.of(3), errors: ['too long ☃'], cost: 8, segments };
  const back = decodeResults(encodeResults(r));
  assert.deepEqual(Array.from(itemCosts(back)), [1, 1, 2, 2, 2]);
  assert.equal(itemCosts(back).reduce((a, c) => a + c, 0), 8, 'the shares add up to the unit\'s cost');
  assert.deepEqual(back.errors, ['too long ☃']);
  // Where a result lies does not depend on the batches (references in the result cache stay good).
  const plain = encodeResults({ ...r, failed: new Uint32Array(0), errors: [], segments: undefined });
  const withSegments = encodeResults({ ...r, failed: new Uint32Array(0), errors: [] });
  const at = resultRange({ ...r, failed: new Uint32Array(0), errors: [] }, 4);
  assert.deepEqual(withSegments.subarray(at.start, at.start + at.length), plain.subarray(at.start, at.start + at.length));
  // Seconds not measured for every batch, or none at all: equal shares.
  assert.equal(segmentCosts(8, Uint32Array.of(0, 2, 5), [1]), undefined);
  assert.equal(segmentCosts(8, Uint32Array.of(0, 2, 5), [0, 0]), undefined);
  assert.deepEqual(Array.from(itemCosts(decodeResults(encodeResults({ ...r, segments: undefined })))), [1.6, 1.6, 1.6, 1.6, 1.6]);
});

test('results are encoded by hand exactly as the generated decoder reads them', () => {
  const sig = Uint32Array.of(0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32 - 1);
  const vec = Float32Array.of(0, -1.5, 3.25e-7, 1e30);
  const items = [
    { index: 0, customId: '', result: sig, kind: 'u32' as const, cost: 0, cached: false },
    { index: 1, customId: 'é☃𝄞', result: vec, kind: 'f32' as const, cost: 1.5e-9, cached: true },
    { index: 2 ** 40, customId: 'x'.repeat(300), error: 'empty item: 0 tokens', cost: 0, cached: false },
    { index: 3, customId: 'empty-result', result: new Uint32Array(0), kind: 'u32' as const, cost: 2, cached: false },
  ];
  const decode = loadNightshift().grpcObject.nightshift.v1.BatchService.service.GetBatchResults.responseDeserialize as (b: Buffer) => BatchResults__Output;
  const back = decode(encodeBatchResults(items)).results;
  assert.equal(back.length, 4);
  assert.deepEqual(back.map((r) => Number(r.index)), [0, 1, 2 ** 40, 3]);
  assert.deepEqual(back.map((r) => r.customId), items.map((i) => i.customId));
  assert.deepEqual(back[0]!.result?.signature, Array.from(sig));
  assert.deepEqual(back[1]!.result?.vector, Array.from(vec));
  assert.equal(back[1]!.cost, 1.5e-9);
  assert.equal(back[1]!.cached, true);
  assert.equal(back[2]!.error, 'empty item: 0 tokens');
  assert.equal(back[2]!.outcome, 'error');
  assert.deepEqual(back[3]!.result?.signature, []);
  assert.equal(back[3]!.cost, 2);
});
