import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { packTokens } from '@nightshift/proto';
import { startSystem, type TestSystem } from './helpers/system.js';

const systems: TestSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

/** The samples of one metric in a Prometheus text page, by their label text. */
function samples(page: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of page.split('\n')) {
    const m = line.match(new RegExp(`^${name}(\\{.*\\})? (\\S+)$`));
    if (m) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

test('GET /metrics exports the queue depth that worker autoscaling reads, per queue and pool', async () => {
  // No workers: what is submitted stays queued.
  const sys = await startSystem('metrics', { workers: 0, config: { metricsListen: '127.0.0.1:0' } });
  systems.push(sys);
  const url = `http://${sys.scheduler.metricsAddress}/metrics`;
  const scrape = async () => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return samples(await res.text(), 'nightshift_queue_depth');
  };
  assert.equal([...(await scrape()).values()].reduce((a, b) => a + b, 0), 0);
  const c = sys.client();
  for (let i = 0; i < 7; i++) await c.submit({ op: 'minhash', tokens: packTokens(Uint32Array.from({ length: 100 }, (_, k) => k + i)) });
  for (let i = 0; i < 3; i++) await c.submit({ op: 'embed', tokens: packTokens(Uint32Array.from({ length: 5000 }, (_, k) => k + i)) });
  await new Promise((r) => setTimeout(r, 1100)); // read from Redis at most once a second
  const depth = await scrape();
  assert.equal(depth.get('{queue="{minhash.le128}",pool="on-demand"}'), 7, [...depth.entries()].join(' '));
  assert.equal(depth.get('{queue="{embed.le8192}",pool="on-demand"}'), 3);
  assert.equal((await fetch(url.replace('/metrics', '/nope'))).status, 404);
});
