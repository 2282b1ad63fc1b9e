import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromTimestamp, packTokens, seededRandom } from '@nightshift/proto';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';

let sys: TestSystem;
const DELAY = 300;
before(async () => {
  // One worker taking two batches at once, a long queue delay to make waiting visible.
  sys = await startSystem('delay', { workers: 1, config: { batching: { maxQueueDelayMs: DELAY } } });
});
after(async () => {
  await sys?.stop();
});

const waited = async (id: string) => {
  const j = await sys.client().getJob(id);
  return fromTimestamp(j.startedAt) - fromTimestamp(j.createdAt);
};

test('a lone job on an idle system is dispatched at once, not after the queue delay', async () => {
  const c = sys.client();
  const job = await c.submit({ op: 'embed', tokens: packTokens([1, 2, 3]) });
  await watchUntilFinal(c, [job.id]);
  const ms = await waited(job.id);
  // Half the delay: well clear of it, with room for a busy shared machine (103 ms was seen once).
  assert.ok(ms < DELAY / 2, `waited ${ms} ms with the worker idle`);
});

test('while its worker is busy, a lone job waits for batch-mates up to the max delay, and no longer', async () => {
  const c = sys.client();
  // A long attention job keeps the worker's other slot busy for a while.
  const rand = seededRandom(1);
  const busy = await c.submit({ op: 'attention', tokens: packTokens(Array.from({ length: 30_000 }, () => Math.floor(rand() * 50_000))) });
  for await (const e of c.watchJobs([busy.id])) if (e.state === 'JOB_STATE_RUNNING') break;
  const lone = await c.submit({ op: 'embed', tokens: packTokens([4, 5, 6]) });
  await watchUntilFinal(c, [lone.id]);
  const ms = await waited(lone.id);
  assert.ok(ms >= DELAY - 20 && ms < DELAY + 250, `waited ${ms} ms against a ${DELAY} ms delay`);
  assert.equal((await c.getJob(busy.id)).state === 'JOB_STATE_SUCCEEDED' ? 'done early' : 'still busy', 'still busy', 'the busy job outlasted the test');
  await watchUntilFinal(c, [busy.id]);
});
