import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { packTokens } from '@nightshift/proto';
import { JobClient, newApiKey } from '../src/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';

/** Debian's chromium (scripts/setup.sh installs it); playwright-core drives it, no browser download. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url).pathname;

/** The page's document, in functions that run in the page (this file is not compiled with the DOM's types). */
interface InPage {
  document: PageDocument;
}
interface PageDocument {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  body: { dataset: Record<string, string | undefined> };
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('the dashboard: admin key only, its charts hold the running system\'s data and update live, in headless Chromium', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup.sh (as root it installs Debian's chromium), or set CHROMIUM_PATH`);
  const keys = { admin: newApiKey('ops', 'admin'), acme: newApiKey('acme'), globex: newApiKey('globex') };
  const sys: TestSystem = await startSystem('dashboard', {
    workers: 1,
    // One batch at a time: a frozen worker then holds one batch, and the rest wait in their buckets.
    workerEntry: { maxBatchesInFlight: 1 },
    config: {
      metricsListen: '127.0.0.1:0',
      auth: { keys: Object.values(keys).map((k) => k.entry) },
      // Daily windows that open one to two hours from now: neither is open while the test runs, whatever the hour,
      // so that the jobs with a completion window are deferred to one.
      calendar: [
        { name: 'off-peak', start: `0 ${(new Date().getUTCHours() + 2) % 24} * * *`, durationMinutes: 120 },
        { name: 'spot', start: `30 ${(new Date().getUTCHours() + 4) % 24} * * *`, durationMinutes: 60, spot: true },
      ],
      pricing: { classes: { cpu: { 'on-demand': 100, 'off-peak': 30, spot: 10 } } },
      deferral: { heavyPrice: 0, marginMinutes: 10 },
      limits: { defaults: { budget: 0.0002 }, tenants: { globex: { budget: 0 } } },
      fairShare: { tenants: { acme: { weight: 3 } } },
    },
  });
  cleanups.push(() => sys.stop());
  const base = `http://${sys.scheduler.metricsAddress}`;
  const tokens = (n: number, seed: number) => packTokens(Uint32Array.from({ length: n }, (_, k) => k * 13 + seed));

  // Some history: batches of three ops for two tenants settle (the cost model's chart), two jobs wait for a window.
  const acme = new JobClient(sys.scheduler.address, '', { apiKey: keys.acme.key });
  const globex = new JobClient(sys.scheduler.address, '', { apiKey: keys.globex.key });
  cleanups.push(() => acme.close(), () => globex.close());
  const ids: string[] = [];
  for (let round = 0; round < 6; round++) {
    const jobs = await Promise.all([
      acme.submit({ op: 'minhash', tokens: tokens(300 + round * 400, round) }),
      acme.submit({ op: 'embed', tokens: tokens(800 + round * 300, round) }),
      globex.submit({ op: 'attention', tokens: tokens(100 + round * 60, round) }),
      globex.submit({ op: 'minhash', tokens: tokens(2000 + round * 100, 50 + round) }),
    ]);
    ids.push(...jobs.map((j) => j.id));
    await watchUntilFinal(acme, jobs.filter((_, i) => i < 2).map((j) => j.id));
    await watchUntilFinal(globex, jobs.filter((_, i) => i >= 2).map((j) => j.id));
  }
  for (const i of [0, 1]) assert.equal((await globex.submit({ op: 'embed', tokens: tokens(4000, 900 + i), completionWindowSeconds: 86_400 })).state, 'JOB_STATE_DEFERRED');
  // The worker freezes: its one batch stays out, and what follows waits in the queues.
  const worker = sys.workers[0]!.child;
  process.kill(worker.pid!, 'SIGSTOP');
  cleanups.push(() => worker.exitCode === null && process.kill(worker.pid!, 'SIGCONT'));
  for (let i = 0; i < 9; i++) await globex.submit({ op: i % 2 ? 'embed' : 'minhash', tokens: tokens(150 + i * 90, 700 + i) });

  // Who may look: an admin key, by bearer header or by the login's cookie; nothing else.
  assert.equal((await fetch(`${base}/dashboard`)).status, 401);
  assert.equal((await fetch(`${base}/dashboard/state`)).status, 401);
  assert.equal((await fetch(`${base}/dashboard/state`, { headers: { authorization: 'Bearer ns_wrong' } })).status, 401);
  assert.equal((await fetch(`${base}/dashboard/state`, { headers: { authorization: `Bearer ${keys.acme.key}` } })).status, 403, 'a tenant key sees only its own');
  assert.equal((await fetch(`${base}/dashboard/state`, { headers: { cookie: `nightshift_session=${'A'.repeat(43)}` } })).status, 401);
  const wrongLogin = await fetch(`${base}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ key: 'ns_wrong' }), redirect: 'manual' });
  assert.equal(wrongLogin.status, 401);
  assert.equal(wrongLogin.headers.get('set-cookie'), null);
  assert.equal((await fetch(`${base}/dashboard/login`, { method: 'POST', body: `key=${'x'.repeat(10_000)}` })).status, 413);
  const state = await fetch(`${base}/dashboard/state`, { headers: { authorization: `Bearer ${keys.admin.key}` } });
  assert.equal(state.status, 200);
  const s = (await state.json()) as { batches: unknown[]; tenants: Array<{ tenant: string }> };
  assert.ok(s.batches.length >= 6, `batches: ${s.batches.length}`);
  assert.deepEqual(s.tenants.map((t) => t.tenant), ['acme', 'globex']);

  const profile = mkdtempSync(join(tmpdir(), 'nightshift-chromium-'));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  const browser: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // A browser signs in once with the key; the cookie carries a session token from then on, never the key.
  const login = await page.goto(`${base}/dashboard`);
  assert.equal(login?.status(), 401);
  await page.fill('input[name=key]', keys.admin.key);
  await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('button[type=submit]')]);
  const cookie = (await browser.cookies(`${base}/dashboard`)).find((c) => c.name === 'nightshift_session');
  assert.ok(cookie?.httpOnly, 'the session is kept where scripts cannot read it');
  assert.equal(cookie.sameSite, 'Strict');
  assert.ok(!cookie.value.includes(keys.admin.key.slice(3)), 'the cookie holds a token, not the key');

  // Each chart holds data: marks drawn with values, as many as the state has.
  const count = (selector: string) => page.locator(selector).count();
  const values = (selector: string) => page.$$eval(selector, (els) => els.map((e) => Number(e.getAttribute('data-value'))));
  await page.waitForFunction(() => (globalThis as unknown as InPage).document.querySelectorAll('#scatter circle.point').length >= 6 && (globalThis as unknown as InPage).document.querySelectorAll('#queues rect.bar').length > 0, undefined, { timeout: 20_000 });
  assert.ok((await count('#scatter circle.point')) >= 6);
  for (const v of await values('#scatter circle.point')) assert.ok(v > 0, 'measured seconds');
  const waiting = (await values('#queues rect.bar')).reduce((a, b) => a + b, 0);
  assert.ok(waiting >= 1 && waiting <= 9, `jobs waiting in buckets: ${waiting}`);
  await page.waitForFunction(() => (globalThis as unknown as InPage).document.querySelector('#workers rect.bar')?.getAttribute('data-value') === '1', undefined, { timeout: 20_000 });
  assert.equal(await page.getAttribute('#workers rect.bar', 'data-health'), 'healthy');
  const spent = await values('#tenants rect.spent');
  assert.equal(spent.length, 2);
  for (const v of spent) assert.ok(v > 0, 'each tenant spent something');
  assert.equal(await count('#tenants line.budget'), 1, 'only acme has a budget');
  // Fleet shares: each tenant's share of recent worker-seconds (together all of it) against its target by weight (3:1).
  const used = await values('#shares rect.used');
  assert.equal(used.length, 2);
  assert.ok(Math.abs(used.reduce((a, b) => a + b, 0) - 1) < 1e-6 && used.every((v) => v > 0), `used shares ${used.join(', ')}`);
  assert.deepEqual(await values('#shares line.target'), [0.75, 0.25]);
  assert.ok((await count('#calendar rect.planned')) >= 1, 'the deferred work shows in its window');
  assert.ok((await values('#calendar rect.planned')).every((v) => v > 0));
  assert.match((await page.textContent('#calendar')) ?? '', /2 jobs deferred/);

  // Live: the page polls, and new state shows without a reload.
  const first = await page.getAttribute('body', 'data-updated');
  await page.waitForFunction((before) => (globalThis as unknown as InPage).document.body.dataset.updated !== before, first, { timeout: 10_000 });
  assert.deepEqual(errors, []);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

  // Signed out, the page asks for the key again.
  await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('text=sign out')]);
  assert.equal(await page.locator('input[name=key]').count(), 1);
  assert.equal(ids.length, 24);
});
