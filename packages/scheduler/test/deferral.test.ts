import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { fromTimestamp, packTokens, toTimestamp } from '@nightshift/proto';
import { place, Calendar, type Capacity } from '../src/windows/index.js';
import { Billing, type WindowQuote } from '../src/pricing/index.js';
import { startScheduler, schedulerConfig, ManualClock, type RunningScheduler } from '../src/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { REDIS_URL } from './helpers/redis.js';

const utc = (s: string) => Date.parse(s);
const H = 3_600_000;
const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

/** Quotes as the Quoter makes them: a job of `seconds` in a window opening at `opensAt` for `hours`. */
function quote(window: string, perHour: number, seconds: number, now: number, opensAt: number, hours: number, spot = false): WindowQuote {
  const openNow = opensAt <= now;
  const startAt = openNow ? now : opensAt;
  return {
    window, workerClass: 'gpu', seconds, price: (seconds * perHour) / 3600, startAt, finishAt: startAt + seconds * 1000,
    opensAt, closesAt: window === 'on-demand' ? 0 : opensAt + hours * H, openNow, spot, modelError: -1, modelBatches: 0,
  };
}
const byPrice = (qs: WindowQuote[]) => qs.sort((a, b) => a.price - b.price);
const fleet = (workers: Record<string, number>, load: Record<string, number> = {}): Capacity => ({
  workers: (w) => workers[w] ?? 0,
  load: (w, at) => load[`${w}@${at}`] ?? 0,
});
const policy = { heavyPrice: 1, marginMs: H };

test('deferral picks the cheapest window that finishes before the deadline, counting the work planned there', () => {
  const now = utc('2026-11-23T12:00:00Z');
  const offPeakAt = utc('2026-11-23T22:00:00Z');
  const spotAt = utc('2026-11-24T02:00:00Z');
  // A heavy job: an hour of GPU, $4 on demand, $2.40 off-peak at 22:00, $1.40 on spot at 02:00.
  const quotes = byPrice([
    quote('on-demand', 4, 3600, now, now, 0),
    quote('off-peak', 2.4, 3600, now, offPeakAt, 8),
    quote('spot', 1.4, 3600, now, spotAt, 4, true),
  ]);
  const workers = fleet({ 'off-peak': 2, spot: 2 });

  // 24 hours leave room for spot, the cheapest.
  const roomy = place(quotes, now + 24 * H, policy, workers);
  assert.equal(roomy.kind, 'defer');
  assert.equal(roomy.quote!.window, 'spot');
  assert.deepEqual(roomy.kind === 'defer' && roomy.plan, { window: 'spot', start: spotAt, price: 1.4 });

  // Finishing by 02:30 (plus the hour's margin) rules spot out; off-peak (22:00–23:00, then margin) fits.
  const offPeak = place(quotes, utc('2026-11-24T00:30:00Z'), policy, workers);
  assert.equal(offPeak.quote!.window, 'off-peak');

  // Spot's opening already holds 7 worker-hours on its 2 workers: this job would end at 06:00, past a 05:00 deadline.
  const full = place(quotes, utc('2026-11-24T06:00:00Z'), policy, fleet({ 'off-peak': 2, spot: 2 }, { [`spot@${spotAt}`]: 7 * 3600 }));
  assert.equal(full.quote!.window, 'off-peak', 'the next cheapest with room');

  // And if the work planned does not fit in the opening at all, it is skipped however late the deadline.
  const overflow = place(quotes, now + 72 * H, policy, fleet({ 'off-peak': 2, spot: 2 }, { [`spot@${spotAt}`]: 8 * 3600 }));
  assert.equal(overflow.quote!.window, 'off-peak');

  // A window without workers is never planned.
  assert.equal(place(quotes, now + 24 * H, policy, fleet({ 'off-peak': 2 })).quote!.window, 'off-peak');
});

test('a tight deadline, no deadline, or a light job runs now, and says why', () => {
  const now = utc('2026-11-23T12:00:00Z');
  const quotes = byPrice([quote('on-demand', 4, 3600, now, now, 0), quote('off-peak', 2.4, 3600, now, utc('2026-11-23T22:00:00Z'), 8)]);
  const workers = fleet({ 'off-peak': 4 });
  const tight = place(quotes, now + 3 * H, policy, workers);
  assert.deepEqual([tight.kind, tight.quote!.window], ['now', 'on-demand']);
  assert.match(tight.reason, /runs now: off-peak would finish it too close to its deadline/);
  assert.match(place(quotes, 0, policy, workers).reason, /runs now: no deadline/);
  const light = place(quotes, now + 24 * H, { ...policy, heavyPrice: 5 }, workers);
  assert.equal(light.kind, 'now');
  assert.match(light.reason, /below the heavy threshold of \$5\.00/);
  // An off-peak window open now is where work queued now runs: nothing to wait for.
  const during = utc('2026-11-23T23:00:00Z');
  const open = byPrice([quote('on-demand', 4, 3600, during, during, 0), quote('off-peak', 2.4, 3600, during, utc('2026-11-23T22:00:00Z'), 8)]);
  const now2 = place(open, during + 24 * H, policy, workers);
  assert.deepEqual([now2.kind, now2.quote!.window], ['now', 'off-peak']);
});

test('billing: work is priced at the cheapest window open when it runs; spot windows only for spot workers', () => {
  const clock = new ManualClock(utc('2026-11-23T12:00:00Z'));
  const cal = new Calendar([
    { name: 'night', start: '0 22 * * *', durationMinutes: 480, timezone: 'UTC', spot: false },
    { name: 'spot', start: '0 2 * * *', durationMinutes: 120, timezone: 'UTC', spot: true },
  ]);
  const billing = new Billing({ classes: { gpu: { 'on-demand': 4, night: 2.4, spot: 1.4 } } }, cal, clock);
  assert.equal(billing.window('gpu', 'on-demand')!.window, 'on-demand');
  assert.equal(billing.cost('gpu', 'on-demand', 3600), 4);
  clock.advance(11 * H); // 23:00
  assert.equal(billing.window('gpu', 'on-demand')!.window, 'night');
  assert.equal(billing.window('gpu', 'spot')!.window, 'on-demand', 'no spot window open: priced as on-demand');
  clock.advance(4 * H); // 03:00
  assert.equal(billing.window('gpu', 'spot')!.window, 'spot');
  assert.equal(billing.window('gpu', 'on-demand')!.window, 'night', 'on-demand workers never bill spot prices');
  assert.equal(billing.cost('gpu', 'spot', 1800), 0.7);
});

test('deferred jobs: DEFERRED with plan and reservation, cancel gives both back, a window that opened while the scheduler was down is honoured after restart', async () => {
  const clock = new ManualClock(utc('2026-11-23T12:00:00Z'));
  const config = {
    calendar: [{ name: 'night', start: '0 22 * * *', durationMinutes: 480, timezone: 'UTC', spot: false }],
    pricing: { classes: { cpu: { 'on-demand': 1000, night: 250 } } },
    deferral: { heavyPrice: 0, marginMinutes: 60 },
    limits: { defaults: { budget: 1000, budgetPeriod: 'month' } },
  };
  const sys: TestSystem = await startSystem('deferral', { workers: 1, clock, config });
  stops.push(() => sys.stop());
  const client = sys.client();
  // Long enough that the kernel, not the call around it, is most of what a one-job batch is billed for.
  const job = (n: number, extra: Record<string, unknown>) => ({ op: 'embed', tokens: packTokens(Uint32Array.from({ length: 8000 }, (_, i) => i * n + 1)), ...extra });

  // 24 hours of room: deferred to the night (22:00 UTC), at the night's price.
  const [later, gone] = await Promise.all([client.submit(job(1, { completionWindowSeconds: 86_400 })), client.submit(job(2, { completionWindowSeconds: 86_400 }))]);
  for (const j of [later, gone]) {
    assert.equal(j.state, 'JOB_STATE_DEFERRED');
    assert.equal(j.plannedWindow, 'night');
    assert.equal(fromTimestamp(j.plannedStart), utc('2026-11-23T22:00:00Z'));
    assert.equal(j.quote!.window, 'night');
    assert.match(j.placement, /^deferred to night/);
    assert.ok(Math.abs(fromTimestamp(j.deadline) - utc('2026-11-24T12:00:00Z')) < 10_000, 'submission time + 24 h');
  }
  // A deadline two hours out leaves no room: it runs now, on demand, and says so.
  const now = await client.submit(job(3, { deadline: toTimestamp(clock.now() + 2 * H) }));
  assert.equal(now.state, 'JOB_STATE_QUEUED');
  assert.equal(now.quote!.window, 'on-demand');
  assert.match(now.placement, /runs now: night would finish it too close to its deadline/);
  const done = await watchUntilFinal(client, [now.id]);
  assert.equal(done.get(now.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');

  // Shown as DEFERRED everywhere: GetJob, ListJobs by state, and the first event of a watch.
  assert.equal((await client.getJob(later.id)).state, 'JOB_STATE_DEFERRED');
  assert.deepEqual((await client.listAllJobs(['JOB_STATE_DEFERRED'])).map((j) => j.id).sort(), [later.id, gone.id].sort());
  const watch = client.watchJobs([later.id]);
  const first = (await watch[Symbol.asyncIterator]().next()).value!;
  watch.cancel();
  assert.deepEqual([first.state, first.plannedWindow, fromTimestamp(first.plannedStart), first.plannedPrice], ['JOB_STATE_DEFERRED', 'night', utc('2026-11-23T22:00:00Z'), later.quote!.price]);

  // Their reservations are at the deferred price; cancelling one gives its share back.
  const reserved = (await client.getUsage()).current!.reserved;
  assert.ok(Math.abs(reserved - later.quote!.price - gone.quote!.price) < 1e-9, `reserved ${reserved}`);
  const cancelled = await client.cancelJob(gone.id);
  assert.equal(cancelled.state, 'JOB_STATE_CANCELLED');
  assert.ok(Math.abs((await client.getUsage()).current!.reserved - later.quote!.price) < 1e-9);
  const redis = new Redis(REDIS_URL);
  stops.push(() => redis.quit());
  const held = await redis.zrange(`${sys.prefix}:deferred`, 0, -1);
  assert.equal(held.length, 1);
  assert.ok(held[0]!.includes(later.id) && !held.some((m) => m.includes(gone.id)), 'the cancelled job left the deferred set');
  const load = Object.values(await redis.hgetall(`${sys.prefix}:deferred:load`)).map(Number);
  assert.ok(Math.abs(load.reduce((a, b) => a + b, 0) - later.quote!.predictedSeconds) < 1e-9, 'its planned seconds left the window');

  // The scheduler stops; the night opens while it is down; a new scheduler reconciles at start.
  await sys.scheduler.stop();
  clock.advance(10.5 * H); // 22:30
  assert.equal((await client.getJob(later.id).catch(() => null))?.state, undefined, 'nothing serves meanwhile');
  const again: RunningScheduler = await startScheduler(
    schedulerConfig({ ...config, listen: '127.0.0.1:0', redisUrl: REDIS_URL, prefix: sys.prefix, logLevel: 'warn', workers: [{ id: 'w1', address: sys.workers[0]!.ready.address }] }),
    undefined,
    { clock },
  );
  stops.push(() => again.stop());
  const { JobClient } = await import('../src/index.js');
  const c2 = new JobClient(again.address, 'acme');
  stops.push(async () => c2.close());
  const events = await watchUntilFinal(c2, [later.id]);
  assert.equal(events.get(later.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  const ran = await c2.getJob(later.id);
  assert.equal(ran.plannedWindow, 'night');
  assert.ok(ran.cost > 0, 'its batch was billed');
  // Billed at the night's price (a quarter of on-demand): its one-job batch's seconds at $250/h, against the job of the
  // same size that ran at once, on demand. (A batch's seconds are its whole kernel call, a little more than the job's own.)
  const batchSeconds = ran.cost * 3600 / 250;
  assert.ok(batchSeconds >= ran.kernelSeconds * 0.99, `billed ${batchSeconds}s for ${ran.kernelSeconds}s of kernel`);
  const onDemand = await c2.getJob(now.id);
  const perSecond = (j: typeof ran) => j.cost / j.kernelSeconds;
  assert.ok(perSecond(ran) < perSecond(onDemand) / 2, `not at the on-demand price: $${perSecond(ran)} a kernel second against $${perSecond(onDemand)} on demand`);
  assert.equal(await redis.zcard(`${sys.prefix}:deferred`), 0);
});

test('the cost simulator: two days of calendar time through the same policy code, deadlines met, cheaper than on demand', async () => {
  const { simulateCost } = await import('../src/planning/index.js');
  const trace = {
    start: utc('2026-11-23T00:00:00Z'), days: 2, jobsPerDay: 400, heavyShare: 0.3, deadlineHours: 24, onDemandWorkers: 12, spotWorkers: 8,
    calendar: [
      { name: 'off-peak', start: '0 22 * * *', durationMinutes: 480, timezone: 'UTC', spot: false },
      { name: 'spot', start: '0 2 * * *', durationMinutes: 480, timezone: 'UTC', spot: true },
    ],
    prices: { 'on-demand': 4, 'off-peak': 2.4, spot: 1.4 }, preemptionPerHour: 0.2, maxPreemptions: 1, heavyPrice: 0.5, marginMs: H, seed: 3,
  };
  const now = simulateCost({ ...trace, defer: false });
  const ns = simulateCost({ ...trace, defer: true });
  assert.equal(ns.jobs, now.jobs, 'the same trace');
  assert.equal(ns.unfinished, 0);
  assert.ok(ns.deferred > 0 && ns.deferred <= ns.heavy, `deferred ${ns.deferred} of ${ns.heavy} heavy`);
  assert.ok(ns.met / ns.heavy >= 0.99, `deadlines met ${ns.met}/${ns.heavy}`);
  assert.ok(ns.preemptions > 0 && ns.fallbacks > 0, 'spot work was preempted, and some fell back to on-demand');
  assert.ok(ns.cost < 0.8 * now.onDemandCost, `cost ${ns.cost} against ${now.onDemandCost} on demand`);
  assert.ok((ns.hoursByWindow.spot ?? 0) > 0 && (ns.hoursByWindow['off-peak'] ?? 0) > 0);
});
