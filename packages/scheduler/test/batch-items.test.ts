// Issue 18, first step: a batch object's items stored as packed chunks, resumable, never a key per item.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ChunkCutter, decodeItemChunk, encodeItemChunk, itemOf, ItemStore, type Item } from '../src/batch-objects/index.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { rng } from './helpers/workload.js';

const redis = new Redis(REDIS_URL);
const prefix = testPrefix('batch-items');
after(async () => {
  await dropPrefix(prefix);
  await redis.quit();
});

const rand = rng(18);
function items(n: number, from = 0): Item[] {
  return Array.from({ length: n }, (_, i) => ({
    // Empty, ASCII, and multi-byte ids; empty and long token sequences.
    customId: (from + i) % 97 === 0 ? '' : `doc-${from + i}${(from + i) % 5 === 0 ? '-é☃𝄞' : ''}`,
    tokens: Uint32Array.from({ length: (from + i) % 13 === 0 ? 0 : 1 + Math.floor(rand() * 600) }, () => Math.floor(rand() * 2 ** 32)),
  }));
}

function assertSame(got: Item[], want: Item[]): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i]!.customId, want[i]!.customId, `item ${i}'s id`);
    assert.deepEqual(Array.from(got[i]!.tokens), Array.from(want[i]!.tokens), `item ${i}'s tokens`);
  }
}

test('a chunk packs items and gives them back exactly; a chunk cut short or padded is refused', () => {
  const want = items(500);
  const bytes = encodeItemChunk(want);
  const tokenBytes = want.reduce((n, it) => n + it.tokens.length * 4, 0);
  const idBytes = want.reduce((n, it) => n + Buffer.byteLength(it.customId), 0);
  assert.equal(bytes.length, 4 * (1 + 501 + 500) + tokenBytes + idBytes, 'header, tokens and ids, nothing else');
  const chunk = decodeItemChunk(bytes);
  assertSame(want.map((_, i) => itemOf(chunk, i)), want);
  // Unaligned, as a Buffer from a pool may be.
  const shifted = Buffer.alloc(bytes.length + 1);
  bytes.copy(shifted, 1);
  assertSame(want.map((_, i) => itemOf(decodeItemChunk(shifted.subarray(1)), i)), want);
  assert.deepEqual(decodeItemChunk(encodeItemChunk([])).customIds, []);
  assert.throws(() => decodeItemChunk(bytes.subarray(0, bytes.length - 1)), /is \d+ bytes, not \d+/);
  assert.throws(() => decodeItemChunk(Buffer.concat([bytes, Buffer.from('x')])), /is \d+ bytes, not \d+/);
  assert.throws(() => decodeItemChunk(bytes.subarray(0, 100)), /cut short/);
});

test('items however grouped in messages are cut into chunks by count and bytes; an oversized item is a chunk alone', () => {
  const cutter = new ChunkCutter({ maxItems: 100, maxBytes: 8000 });
  const all = items(1000);
  const chunks: Item[][] = [];
  for (let i = 0; i < all.length; ) {
    const n = 1 + Math.floor(rand() * 57);
    chunks.push(...cutter.add(all.slice(i, i + n)));
    i += n;
  }
  chunks.push(...cutter.flush());
  assert.equal(cutter.waiting, 0);
  assertSame(chunks.flat(), all);
  for (const c of chunks) {
    const bytes = c.reduce((n, it) => n + it.tokens.length * 4 + Buffer.byteLength(it.customId), 0);
    assert.ok(c.length <= 100 && (bytes <= 8000 || c.length === 1), `a chunk of ${c.length} items and ${bytes} bytes`);
  }
  const big = { customId: 'big', tokens: new Uint32Array(5000) };
  assert.deepEqual(new ChunkCutter({ maxItems: 100, maxBytes: 8000 }).add([all[1]!, big, all[2]!]).map((c) => c.length), [1, 1]);
});

test('an upload stores whole chunks once, refuses a chunk sent twice, resumes from what is stored, and reads back in order', async () => {
  const store = new ItemStore(redis, prefix);
  const header = { op: 'minhash', spec: '{}' };
  const { id, created } = await store.open('acme', 'nightly-2026-12-04', header);
  assert.equal(created, true);
  const all = items(10_000);
  const cutter = new ChunkCutter({ maxItems: 1000, maxBytes: 1 << 20 });
  const chunks = [...cutter.add(all), ...cutter.flush()];
  // The first client stores four chunks, then dies.
  let at = { items: 0, chunks: 0 };
  for (const c of chunks.slice(0, 4)) {
    const r = await store.append(id, at, c);
    assert.equal(r.stored, true);
    at = r;
  }
  // A retry of the fourth (its reply was lost) is refused, and says where the upload is.
  const again = await store.append(id, { items: at.items - chunks[3]!.length, chunks: 3 }, chunks[3]!);
  assert.deepEqual(again, { stored: false, open: true, items: at.items, chunks: 4 });

  // The client comes back with the same key: the same batch, and how much it has.
  const reopened = await store.open('acme', 'nightly-2026-12-04', header);
  assert.deepEqual(reopened, { id, created: false });
  const p = (await store.progress(id))!;
  assert.deepEqual([p.state, p.items, p.chunks], ['UPLOADING', chunks.slice(0, 4).flat().length, 4]);
  // It sends the rest, cut again from there (its own grouping may differ).
  const rest = new ChunkCutter({ maxItems: 700, maxBytes: 1 << 20 });
  at = { items: p.items, chunks: p.chunks };
  for (const c of [...rest.add(all.slice(p.items)), ...rest.flush()]) at = await store.append(id, at, c);
  assert.equal(at.items, 10_000);
  assert.equal(await store.close(id), true);
  assert.equal(await store.close(id), false, 'closed once');
  assert.equal((await store.append(id, at, items(1))).open, false, 'nothing is appended once closed');

  // Every item once, in input order, read a chunk at a time.
  const back: Item[] = [];
  for await (const chunk of store.chunks(id)) for (let i = 0; i < chunk.customIds.length; i++) back.push(itemOf(chunk, i));
  assertSame(back, all);
  const stored = (await store.progress(id))!;
  assert.equal(stored.tokens, all.reduce((n, it) => n + it.tokens.length, 0));
  // No key per item: the record, the idempotency key, the tenant's list, the active batches and the chunks.
  const keys = await redis.keys(`${prefix}:*`);
  assert.equal(keys.length, 1 + 1 + 2 + stored.chunks);
  // Another tenant's key is its own batch.
  assert.notEqual((await store.open('globex', 'nightly-2026-12-04', header)).id, id);
});
