import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFleets, planFleetsOnThreads, readTrace, readWorkload, sizes, WorkloadError } from '../src/planning/index.js';
import { nightshift } from './helpers/cli.js';

// Issue 21, its first part: `nightshift plan` on a described workload, through the real policy code.
const dir = mkdtempSync(join(tmpdir(), 'nightshift-plan-'));

/** A day of interactive jobs only, one price all day: the fleet's cost is plain arithmetic. */
const SMALL = `days: 1
jobsPerDay: 2000
heavyShare: 0
deadlineHours: 24
prices: { on-demand: 4 }
seed: 3
`;

test('a workload description with problems is refused, each problem named by its line and field', () => {
  const text = ['days: 1', 'jobsPerDay: 100', 'heavyShare: 2', 'deadlineHours: 24', 'calendar:', '  - { name: night, start: "0 22 * * *", durationMinutes: 480 }', 'prices: { on-demand: 4 }', 'surprise: 1'].join('\n');
  assert.throws(
    () => readWorkload(text, 'w.yaml'),
    (e: Error) => {
      assert.ok(e instanceof WorkloadError);
      assert.match(e.message, /^w\.yaml:3: heavyShare: /m);
      assert.match(e.message, /^w\.yaml:6: calendar\.0\.name: window "night" has no price in prices/m);
      assert.match(e.message, /^w\.yaml:\d+: \(top level\): .*surprise/m);
      return true;
    },
  );
  assert.throws(() => readWorkload('days: 1\njobsPerDay: [1,\n', 'bad.yaml'), /bad\.yaml:\d+: not YAML/);
  assert.throws(() => readWorkload('days: 1\nprices: { on-demand: 4 }\n', 'short.yaml'), /short\.yaml:1: jobsPerDay: is required/);
  assert.deepEqual(sizes('8..32:8'), [8, 16, 24, 32]);
  assert.deepEqual(sizes('3'), [3]);
  assert.throws(() => sizes('8-32'), /not a size/);
});

test('the sweep prices each fleet and picks the cheapest that meets the targets, the same on threads', async () => {
  const w = readWorkload(SMALL, 'small.yaml');
  const fleets = [1, 2, 3, 4].map((n) => ({ onDemand: n, spot: 0 }));
  const { plans, best } = planFleets(w, fleets, { deadlinesMet: 0.99, interactiveP99: 60 });
  const threaded = await planFleetsOnThreads(w, fleets, { deadlinesMet: 0.99, interactiveP99: 60 }, undefined, 2);
  assert.deepEqual(threaded.plans.map((p) => p.result), plans.map((p) => p.result), 'a fleet simulated on a thread gives what it gives here');
  assert.equal(threaded.best?.onDemand, best?.onDemand);
  // Every worker paid all day at $4 an hour, idle or not.
  assert.deepEqual(plans.map((p) => Math.round(p.perDay * 100) / 100), [96, 192, 288, 384]);
  // Fewer workers, longer waits; the small fleet misses the target and a larger one meets it.
  assert.equal(plans[0]!.meets, false, `one worker: p99 ${plans[0]!.interactiveP99} s`);
  assert.equal(plans[3]!.meets, true, `four workers: p99 ${plans[3]!.interactiveP99} s`);
  assert.ok(best && best.meets && plans.every((p) => !p.meets || p.perDay >= best.perDay));
  assert.equal(best, plans.find((p) => p.meets), 'the first fleet that meets is the cheapest here');
});

test('nightshift plan prints the sweep, marks the choice and draws one mark per fleet', async () => {
  const file = join(dir, 'small.yaml');
  writeFileSync(file, SMALL);
  const chart = join(dir, 'plan.svg');
  const run = await nightshift(['plan', '--workload', file, '--on-demand', '1..4:1', '--chart', chart, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const plan = JSON.parse(run.stdout) as { fleets: Array<{ onDemand: number; meets: boolean }>; best: { onDemand: number } };
  assert.deepEqual(plan.fleets.map((f) => f.onDemand), [1, 2, 3, 4]);
  assert.equal(plan.best.onDemand, plan.fleets.find((f) => f.meets)!.onDemand);
  const svg = readFileSync(chart, 'utf8');
  assert.equal(svg.match(/<g class="fleet">/g)?.length, 4);
  assert.equal(svg.match(/stroke="#c0392b"/g)?.length, 1, 'the chosen fleet is ringed');
  // Bad input: exit 2 with the line and field.
  writeFileSync(join(dir, 'bad.yaml'), 'days: 1\njobsPerDay: -5\n');
  const bad = await nightshift(['plan', '--workload', join(dir, 'bad.yaml')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.yaml:2: jobsPerDay: /);
});

test('a JSONL trace: its jobs as recorded, checked line by line, and a plan of it worked out by hand', () => {
  assert.throws(
    () => readTrace(['{"arrival": "2026-01-05T00:00:00Z", "tokens": 10}', 'nope', '{"arrival": 5, "tokens": 0}', '{"arrival": 9, "tokens": 1, "deadline": 3}', '{"arrival": 1, "tokens": 1, "extra": 1}'].join('\n'), 't.jsonl'),
    (e: Error) => {
      for (const m of [/t\.jsonl:2: not JSON/, /t\.jsonl:3: tokens: /, /t\.jsonl:4: deadline: must come after the arrival/, /t\.jsonl:5: \(line\): .*extra/]) assert.match(e.message, m);
      return true;
    },
  );
  // Three interactive jobs at midnight that took an hour, half an hour and half an hour; one price, $4 a GPU-hour.
  const midnight = Date.parse('2026-01-05T00:00:00Z');
  const trace = readTrace([3600, 1800, 1800].map((seconds) => JSON.stringify({ arrival: new Date(midnight).toISOString(), tokens: 1000, seconds })).join('\n'), 'three.jsonl');
  const w = readWorkload('prices: { on-demand: 4 }\n', 'policy.yaml', { trace: true });
  const { plans } = planFleets(w, [1, 2, 3].map((n) => ({ onDemand: n, spot: 0 })), { deadlinesMet: 1, interactiveP99: 60 }, trace);
  // The work: 2 GPU-hours at $4, whatever the fleet; the fleet: n workers for the one day the trace spans.
  assert.deepEqual(plans.map((p) => Number(p.workPerDay.toFixed(6))), [8, 8, 8]);
  assert.deepEqual(plans.map((p) => Number(p.perDay.toFixed(6))), [96, 192, 288]);
  // The last job waits for the other two on one worker (1.5 h), for the shorter one on two (0.5 h), not at all on three.
  assert.deepEqual(plans.map((p) => p.interactiveP99), [5400, 1800, 0]);
  assert.deepEqual(plans.map((p) => p.meets), [false, false, true]);
  assert.throws(() => readWorkload('prices: { on-demand: 4 }\n', 'policy.yaml'), /jobsPerDay: is required \(unless the jobs come from --trace\)/);
});
