import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromTimestamp, packTokens } from '@nightshift/proto';
import { Calendar } from '../src/windows/index.js';
import { schedulerConfig, ManualClock } from '../src/index.js';
import { startSystem, type TestSystem } from './helpers/system.js';

const systems: TestSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

const night = { name: 'night', start: '0 22 * * *', durationMinutes: 480, timezone: 'Europe/Berlin', spot: false };
const spot = { name: 'spot', start: '0 */6 * * *', durationMinutes: 60, timezone: 'UTC', spot: true };
const utc = (s: string) => Date.parse(s);

test('the calendar: openings in their time zone (summer and winter), in progress across midnight, overlapping', () => {
  const cal = new Calendar([night, spot]);
  // Winter: 22:00 in Berlin is 21:00 UTC; summer: 20:00 UTC.
  assert.equal(cal.nextOpening('night', utc('2026-11-23T12:00:00Z'))!.start, utc('2026-11-23T21:00:00Z'));
  assert.equal(cal.nextOpening('night', utc('2026-07-01T12:00:00Z'))!.start, utc('2026-07-01T20:00:00Z'));
  // At 01:00 UTC the night that began yesterday is in progress, until 05:00 UTC.
  const open = cal.openAt(utc('2026-11-24T01:00:00Z'));
  assert.deepEqual(open.map((o) => o.window), ['night']);
  assert.equal(open[0]!.start, utc('2026-11-23T21:00:00Z'));
  assert.equal(open[0]!.end, utc('2026-11-24T05:00:00Z'));
  assert.equal(cal.nextOpening('night', utc('2026-11-24T01:00:00Z'))!.start, utc('2026-11-23T21:00:00Z'), 'the opening in progress comes first');
  // At 00:30 UTC both are open: spot every six hours for an hour, inside the night.
  assert.deepEqual(cal.openAt(utc('2026-11-24T00:30:00Z')).map((o) => o.window).sort(), ['night', 'spot']);
  assert.deepEqual(cal.openAt(utc('2026-11-24T12:30:00Z')).map((o) => o.window), ['spot']);
  assert.deepEqual(cal.openAt(utc('2026-11-24T13:30:00Z')), []);
  // Two days overlap three nights (the one begun on the 22nd ends on the 23rd) and eight spot hours, in order.
  const two = cal.openings(utc('2026-11-23T00:00:00Z'), utc('2026-11-25T00:00:00Z'));
  assert.equal(two.filter((o) => o.window === 'night').length, 3);
  assert.equal(two.filter((o) => o.window === 'spot').length, 8);
  assert.ok(two.every((o, i) => i === 0 || two[i - 1]!.start <= o.start), 'by start');
  assert.ok(two.filter((o) => o.window === 'spot').every((o) => o.spot && o.end - o.start === 3_600_000));
});

test('calendar configuration: bad cron, time zone or name is refused with its path', () => {
  assert.throws(() => schedulerConfig({ calendar: [{ ...night, start: '0 22 * *' }] }), /calendar[.\]0\[]*.*start.*five-field cron/s);
  assert.throws(() => schedulerConfig({ calendar: [{ ...night, timezone: 'Mars/Olympus' }] }), /timezone.*IANA time zone/s);
  assert.throws(() => schedulerConfig({ calendar: [{ ...night, name: 'on-demand' }] }), /always open/);
  assert.equal(schedulerConfig({ calendar: [night] }).calendar[0]!.timezone, 'Europe/Berlin');
});

test('Quote prices a job in every window, cheapest first, each finishing after its window opens', async () => {
  const clock = new ManualClock(utc('2026-11-23T12:00:00Z'));
  const sys = await startSystem('windows', {
    workers: 0,
    clock,
    config: { calendar: [night], pricing: { classes: { cpu: { 'on-demand': 1, night: 0.25 } } } },
  });
  systems.push(sys);
  const q = await sys.client().quote({ op: 'embed', tokens: packTokens(new Uint32Array(500)) });
  assert.deepEqual(q.windows.map((w) => w.window), ['night', 'on-demand']);
  const [n, d] = q.windows;
  assert.ok(Math.abs(n!.price / d!.price - 0.25) < 1e-9, 'a quarter of the price');
  assert.equal(n!.predictedSeconds, d!.predictedSeconds);
  assert.ok(fromTimestamp(n!.finishAt!) >= utc('2026-11-23T21:00:00Z'), 'the night opens at 21:00 UTC');
  assert.ok(fromTimestamp(d!.finishAt!) < utc('2026-11-23T12:01:00Z'), 'on-demand runs now');
});
