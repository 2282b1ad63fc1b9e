import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@nightshift/proto';
import { logNormalLengths } from '@nightshift/devtools';
import {
  adaptiveBounds, bucketIndex, bucketName, closeBatch, effectivePriority, geometricBounds, paddingBound, paddedTokens,
  BucketPlan, type BucketBounds, type ClosingPolicy, type PendingJob,
} from '../src/batching/index.js';

test('geometric buckets: bounds, the bucket of a length, and stable names', () => {
  const b = geometricBounds(64, 1024);
  assert.deepEqual(b.upper, [64, 128, 256, 512, 1024]);
  const table: Array<[number, number, string]> = [
    [1, 0, 'le64'], [64, 0, 'le64'], [65, 1, 'le128'], [300, 3, 'le512'], [1024, 4, 'le1024'], [1025, 5, 'gt1024'], [1e6, 5, 'gt1024'],
  ];
  for (const [length, index, name] of table) {
    assert.equal(bucketIndex(b, length), index, `length ${length}`);
    assert.equal(bucketName(b, index), name);
  }
  assert.throws(() => geometricBounds(0, 10), RangeError);
});


test('adaptive boundaries pad less than geometric ones with as many buckets, on a skewed distribution', () => {
  const lengths = logNormalLengths(20_000, 1);
  const geo = geometricBounds(64, 65_536);
  const ada = adaptiveBounds(lengths, geo.upper.length, 65_536);
  assert.equal(ada.upper.length, geo.upper.length);
  assert.equal(ada.upper.at(-1), 65_536, 'every accepted length has a closed bucket');
  for (let i = 1; i < ada.upper.length; i++) assert.ok(ada.upper[i]! > ada.upper[i - 1]!, 'strictly increasing');
  const g = paddingBound(geo, lengths);
  const a = paddingBound(ada, lengths);
  const eff = (p: { real: number; padded: number }) => p.real / p.padded;
  assert.ok(eff(a) > eff(g) + 0.03, `adaptive ${eff(a).toFixed(3)} vs geometric ${eff(g).toFixed(3)}`);
});

test('adaptive boundaries are optimal: equal to brute force on small cases', () => {
  const rand = seededRandom(7);
  for (let round = 0; round < 30; round++) {
    const lengths = Array.from({ length: 12 }, () => 1 + Math.floor(rand() * 40));
    const k = 1 + Math.floor(rand() * 4);
    const best = paddingBound(adaptiveBounds(lengths, k, 40), lengths).padded;
    // every choice of k − 1 cut points among the distinct lengths, plus the max
    const values = [...new Set(lengths)].filter((v) => v < 40).sort((a, b) => a - b);
    let brute = Infinity;
    const choose = (start: number, picked: number[]) => {
      if (picked.length === k - 1 || start === values.length) {
        brute = Math.min(brute, paddingBound({ upper: [...picked, 40] }, lengths).padded);
        if (picked.length === k - 1) return;
      }
      for (let i = start; i < values.length; i++) choose(i + 1, [...picked, values[i]!]);
    };
    choose(0, []);
    assert.equal(best, brute, `lengths ${lengths} k ${k}`);
  }
});

const policy: ClosingPolicy = { maxBatchJobs: 4, maxPaddedTokens: 1000, maxQueueDelayMs: 50, agingMsPerPriority: 0 };
const job = (id: string, length: number, queuedAt = 0, priority = 0): PendingJob => ({ id, length, priority, queuedAt });

test('a batch closes when full by jobs or by padded tokens, and never pads past the budget unless it is one job', () => {
  const byJobs = closeBatch([job('a', 10), job('b', 10), job('c', 10), job('d', 10), job('e', 10)], 0, policy, false);
  assert.deepEqual(byJobs.close && [byJobs.reason, byJobs.batch.map((j) => j.id)], ['jobs', ['a', 'b', 'c', 'd']]);
  const byTokens = closeBatch([job('a', 300), job('b', 300), job('c', 300), job('d', 300)], 0, policy, false);
  assert.deepEqual(byTokens.close && [byTokens.reason, byTokens.batch.length], ['tokens', 3]);
  const alone = closeBatch([job('big', 5000), job('small', 10)], 0, policy, false);
  assert.deepEqual(alone.close && alone.batch.map((j) => j.id), ['big'], 'an oversized job runs alone');
  // Randomized: whatever closes stays within the budget, or is a single job.
  const rand = seededRandom(3);
  for (let round = 0; round < 500; round++) {
    const pending = Array.from({ length: 1 + Math.floor(rand() * 8) }, (_, i) => job(`j${i}`, 1 + Math.floor(rand() * 1500), Math.floor(rand() * 100), Math.floor(rand() * 3)));
    const c = closeBatch(pending, 100, { ...policy, agingMsPerPriority: 10 }, rand() < 0.5);
    if (!c.close) continue;
    const longest = Math.max(...c.batch.map((j) => j.length));
    assert.ok(c.batch.length === 1 || paddedTokens(c.batch.length, longest) <= policy.maxPaddedTokens);
    assert.ok(c.batch.length <= policy.maxBatchJobs);
  }
});

test('a partial batch waits for batch-mates until the max delay, or closes at once for an idle worker', () => {
  const pending = [job('a', 10, 1000), job('b', 10, 1020)];
  assert.deepEqual(closeBatch(pending, 1030, policy, false), { close: false, wakeAt: 1050 });
  const due = closeBatch(pending, 1050, policy, false);
  assert.deepEqual(due.close && [due.reason, due.batch.length], ['delay', 2]);
  const idle = closeBatch(pending, 1001, policy, true);
  assert.deepEqual(idle.close && idle.reason, 'idle');
  assert.deepEqual(closeBatch([], 0, policy, true), { close: false, wakeAt: null });
});

test('higher priorities go first, and aging lets a long-waiting low priority overtake', () => {
  const pending = [job('low-old', 600, 0, 0), job('high-new', 600, 900, 5)];
  const noAging = closeBatch(pending, 1000, { ...policy, maxBatchJobs: 1 }, false);
  assert.deepEqual(noAging.close && noAging.batch.map((j) => j.id), ['high-new']);
  // Aged 1000 ms at 100 ms a step: 0 + 10 beats 5 + 1.
  const aging = closeBatch(pending, 1000, { ...policy, maxBatchJobs: 1, agingMsPerPriority: 100 }, false);
  assert.deepEqual(aging.close && aging.batch.map((j) => j.id), ['low-old']);
  assert.equal(effectivePriority(job('x', 1, 0, 2), 500, 100), 7);
  assert.equal(effectivePriority(job('x', 1, 0, 2), 500, 0), 2);
});

test('the bucket plan: fixed queues, adaptive buckets refitted to what is seen, and no flapping', () => {
  const opts = { queues: { first: 64, ratio: 2 }, maxLength: 65_536 };
  const buckets = { ratio: 2, count: 16, every: 2_000, sample: 10_000, minGain: 0.1 };
  const fixed = new BucketPlan({ ...opts, buckets: { ...buckets, mode: 'geometric' } });
  const adaptive = new BucketPlan({ ...opts, buckets: { ...buckets, mode: 'adaptive' } });
  const lengths = logNormalLengths(10_000, 3);
  const start = adaptive.bounds('embed');
  assert.deepEqual(start, fixed.bounds('embed'), 'both start from geometric steps');
  for (let i = 0; i < lengths.length; i += 500) {
    fixed.observe('embed', lengths.slice(i, i + 500));
    adaptive.observe('embed', lengths.slice(i, i + 500));
  }
  assert.deepEqual(fixed.bounds('embed'), start, 'geometric bounds never move');
  const fitted = adaptive.bounds('embed');
  assert.notDeepEqual(fitted, start, 'adaptive bounds were refitted');
  assert.equal(fitted.upper.length, 16);
  const eff = (b: BucketBounds) => {
    const p = paddingBound(b, lengths);
    return p.real / p.padded;
  };
  assert.ok(eff(fitted) > eff(start) + 0.05, `padding bound ${eff(fitted).toFixed(3)} vs ${eff(start).toFixed(3)}`);
  // Once fitted to a full sample, more of the same distribution gains less than minGain: the bounds stay.
  adaptive.observe('embed', logNormalLengths(10_000, 4));
  const settled = adaptive.bounds('embed');
  for (const seed of [5, 6, 7]) {
    adaptive.observe('embed', logNormalLengths(10_000, seed));
    assert.deepEqual(adaptive.bounds('embed'), settled, `no flapping on the same distribution (seed ${seed})`);
  }
  // Other ops keep their own bounds; queues stay by fixed ranges.
  assert.deepEqual(adaptive.bounds('minhash'), start);
  assert.deepEqual(adaptive.place('embed', 100).queue, '{embed.le128}');
  assert.equal(adaptive.place('embed', 100).bucket, `le${settled.upper.find((u) => u >= 100)}`);
});
