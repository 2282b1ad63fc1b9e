// Issue 18: a closed batch object's items cut into units, by sorted length, where it costs least.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OpName } from '@nightshift/proto';
import { planUnits, batchQuotes, type UnitLimits, type UnitPlan } from '../src/batch-objects/index.js';
import { schedulerConfig } from '../src/config/scheduler-config.js';
import { fullBatchShare, predictSeconds, priorState } from '../src/pricing/index.js';
import { Calendar } from '../src/windows/index.js';
import { logNormalLengths } from '@nightshift/devtools';
import { rng } from './helpers/workload.js';

const cost = (p: UnitPlan, limits: UnitLimits) => p.paddedTokens + limits.unitCostTokens * p.units.length;

function assertValid(lengths: number[], p: UnitPlan, limits: UnitLimits): void {
  assert.deepEqual([...p.order].sort((a, b) => a - b), lengths.map((_, i) => i), 'every item once');
  for (let k = 1; k < p.order.length; k++) assert.ok(lengths[p.order[k - 1]!]! <= lengths[p.order[k]!]!, 'shortest first');
  let next = 0;
  for (const u of p.units) {
    assert.equal(u.from, next, 'units cover the order without gaps');
    next = u.to;
    const n = u.to - u.from;
    assert.ok(n >= 1 && n <= limits.maxItems);
    assert.equal(u.longest, Math.max(1, lengths[p.order[u.to - 1]!]!));
    assert.ok(u.paddedTokens <= limits.maxPaddedTokens || n === 1, `a unit of ${n} pads to ${u.paddedTokens}`);
    assert.equal(u.realTokens, p.order.slice(u.from, u.to).reduce((s, i) => s + lengths[i]!, 0));
  }
  assert.equal(next, lengths.length);
}

/** The least cost over every way of cutting the sorted lengths, by brute force. */
function bruteForce(lengths: number[], limits: UnitLimits): number {
  const sorted = [...lengths].sort((a, b) => a - b).map((l) => Math.max(1, l));
  const go = (from: number): number => {
    if (from === sorted.length) return 0;
    let least = Infinity;
    for (let to = from + 1; to <= sorted.length; to++) {
      const n = to - from;
      if (n > limits.maxItems || (n > 1 && n * sorted[to - 1]! > limits.maxPaddedTokens)) break;
      least = Math.min(least, n * sorted[to - 1]! + limits.unitCostTokens + go(to));
    }
    return least;
  };
  return go(0);
}

test('units are optimal cuts of the sorted lengths: equal to brute force on small cases, within the limits', () => {
  const rand = rng(1818);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(rand() * 10);
    const lengths = Array.from({ length: n }, () => (rand() < 0.1 ? 0 : 1 + Math.floor(rand() ** 3 * 2000)));
    const limits = { maxItems: 1 + Math.floor(rand() * 5), maxPaddedTokens: 500 + Math.floor(rand() * 4000), unitCostTokens: Math.floor(rand() * 3000) };
    const p = planUnits(lengths, limits);
    assertValid(lengths, p, limits);
    assert.equal(cost(p, limits), bruteForce(lengths, limits), `lengths ${lengths} limits ${JSON.stringify(limits)}`);
  }
});

test('on 20,000 log-normal lengths the units pad at least 0.99, and fill up where lengths are dense; an over-long item is alone', () => {
  const lengths = logNormalLengths(20_000, 7);
  const limits = { maxItems: 64, maxPaddedTokens: 262_144, unitCostTokens: 1024 };
  const p = planUnits(lengths, limits);
  assertValid(lengths, p, limits);
  assert.ok(p.realTokens / p.paddedTokens >= 0.99, `padding ${p.realTokens / p.paddedTokens}`);
  const full = p.units.filter((u) => u.to - u.from === 64).length;
  assert.ok(full / p.units.length > 0.5, `${full} of ${p.units.length} units full`);
  assert.ok(p.units.length < 1.3 * Math.ceil(20_000 / 64), `${p.units.length} units`);

  const over = planUnits([10, 300_000, 20], limits);
  assert.deepEqual(over.units.map((u) => u.to - u.from), [2, 1]);
  assert.equal(over.units[1]!.longest, 300_000);
  assert.throws(() => planUnits([1, -2], limits), /item 1: a length must be/);
});

test('a batch is priced from its units\' predicted seconds, in every class and window, and agrees with what the job path quotes for full batches', () => {
  const limits = { maxItems: 64, maxPaddedTokens: 262_144, unitCostTokens: 1024 };
  const config = schedulerConfig({ pricing: { classes: { cpu: { 'on-demand': 0.1 }, h100: { 'on-demand': 3 } } } });
  const models = { current: (op: OpName) => priorState(config.pricing.prior[op], config.pricing.priorVariance) };
  // 6,400 items of 2,000 tokens: 100 full units of 64, the job path's full batch of the same bound.
  const plan = planUnits(new Array(6400).fill(2000), limits);
  assert.equal(plan.units.length, 100);
  let seconds = 0;
  for (const u of plan.units) seconds += predictSeconds(models.current('embed'), { paddedTokens: u.paddedTokens, maxLength: u.longest });
  const now = Date.parse('2026-12-04T12:00:00Z');
  const quotes = batchQuotes('embed', { cpu: seconds, h100: seconds }, config.pricing, new Calendar([]), () => 4, models, now);
  assert.deepEqual(quotes.map((q) => `${q.workerClass}/${q.window}`), ['cpu/on-demand', 'h100/on-demand']);
  const share = fullBatchShare(models.current('embed'), 2000, { ...config.batching, maxBatchJobs: 64, maxPaddedTokens: 262_144 });
  const cpu = quotes[0]!;
  assert.ok(Math.abs(cpu.seconds - 6400 * share.seconds) < 1e-9 * cpu.seconds, `${cpu.seconds} s against ${6400 * share.seconds} s a job at a time`);
  assert.ok(Math.abs(cpu.price - (cpu.seconds * 0.1) / 3600) < 1e-15);
  assert.equal(cpu.startAt, now);
  assert.equal(cpu.finishAt, Math.round(now + (cpu.seconds / 4) * 1000), 'its seconds spread over the window\'s 4 workers');
});
