import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@nightshift/proto';
import { schedulerConfig } from '../src/index.js';
import { WorkerPool } from '../src/dispatch/index.js';

// The worker pool's part of fair sharing, alone: which claim a free slot goes to, and maxShare.
// The pool is the real one; its workers are never called (no batch is run), so their addresses
// need not answer.

/** Whether the promise has settled after pending callbacks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

function pool(slots: number, shares: { rank: Record<string, number>; maxShare?: Record<string, number> }): WorkerPool {
  const workers = schedulerConfig({ workers: [{ id: 'w1', address: '127.0.0.1:1', maxBatchesInFlight: slots }] }).workers;
  const p = new WorkerPool(workers, 1000, createLogger('test', 'silent'));
  p.shareBy({ rank: (t) => shares.rank[t] ?? 0, maxShare: (t) => shares.maxShare?.[t] ?? 1 });
  return p;
}

test('a free slot goes to the claim whose tenant ranks lowest, whichever puller asks first', async () => {
  const ranks = { low: 1, high: 5 };
  const p = pool(1, { rank: ranks });
  const low = p.bid('on-demand');
  const high = p.bid('on-demand');
  low.set('low');
  high.set('high');
  // The higher-ranked claim asks first: it waits, and the lower one takes the slot.
  const highSlot = p.acquire('on-demand', undefined, false, high);
  assert.equal(await settled(highSlot), false, 'outranked while the lower claim stands');
  const lowSlot = await p.acquire('on-demand', undefined, false, low);
  assert.ok(lowSlot);
  // The low tenant has nothing more: its claim withdrawn, the next free slot is the other's.
  low.set(undefined);
  lowSlot.release(false);
  assert.ok(await highSlot);
  // A puller with no claim (it has not looked yet) is never held back by claims.
  const free = pool(1, { rank: ranks });
  const claim = free.bid('on-demand');
  claim.set('low');
  assert.equal(await settled(free.waitForCapacity('on-demand')), true);
  // Ranks move: once the claim's tenant ranks above the other, the other goes first.
  const other = free.bid('on-demand');
  other.set('high');
  assert.equal(await settled(free.waitForCapacity('on-demand', false, other)), false);
  ranks.high = 0;
  free.wake();
  assert.equal(await settled(free.waitForCapacity('on-demand', false, other)), true);
  for (const x of [p, free]) (x.close(), x.dispose());
});

test('maxShare: a tenant holds at most its share of the slots, even alone; a capped claim holds no one back', async () => {
  const p = pool(4, { rank: { capped: 0, other: 9 }, maxShare: { capped: 0.5 } });
  const capped = p.bid('on-demand');
  capped.set('capped');
  const first = await p.acquire('on-demand', undefined, false, capped);
  const second = await p.acquire('on-demand', undefined, false, capped);
  assert.ok(first && second);
  assert.equal(p.capped('on-demand', 'capped'), true, 'two of four slots: its half');
  const third = p.acquire('on-demand', undefined, false, capped);
  assert.equal(await settled(third), false, 'a third waits though two slots are free');
  // Another tenant, ranked far higher, is not held back by the capped claim.
  const other = p.bid('on-demand');
  other.set('other');
  assert.ok(await p.acquire('on-demand', undefined, false, other));
  // One of the capped tenant's batches comes back: its third goes.
  first.release(false);
  assert.ok(await third);
  p.close();
  p.dispose();
});
