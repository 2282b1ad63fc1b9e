import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { hashKey, newApiKey } from '../src/index.js';
import { startSchedulerProcess, type ServiceProcess } from '@nightshift/devtools';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';

/**
 * Attacks on the dashboard (issue 26, part 7), against two scheduler processes
 * on one Redis prefix: replica A serves its metrics port as plain HTTP and logs
 * at debug into a file; replica B serves it over TLS with a certificate made
 * here with openssl.
 */
const dir = mkdtempSync(join(tmpdir(), 'ns-sec-dashboard-'));
const f = (name: string) => join(dir, name);
const prefix = testPrefix('sec-dashboard');
const keys = { admin: newApiKey('ops', 'admin'), acme: newApiKey('acme') };
const redis = new Redis(REDIS_URL);
const replicas: ServiceProcess[] = [];
let plain = ''; // A's metrics port: http://…
let tls = ''; // B's: https://…

before(async () => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=ca');
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=server');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '1', '-extfile', f('san.ext'));

  const common = { auth: { keys: [keys.admin.entry, keys.acme.entry] }, dashboard: { maxFailedLogins: 5 } };
  writeFileSync(f('a.json'), JSON.stringify(common));
  writeFileSync(f('b.json'), JSON.stringify({ ...common, metricsTls: { cert: f('server.crt'), key: f('server.key') } }));
  const env = (config: string, level: string) => ({ NIGHTSHIFT_CONFIG: f(config), NIGHTSHIFT_METRICS_LISTEN: '127.0.0.1:0', LOG_LEVEL: level });
  const [a, b] = await Promise.all([
    startSchedulerProcess(REDIS_URL, prefix, [], env('a.json', 'debug'), f('a.log')),
    startSchedulerProcess(REDIS_URL, prefix, [], env('b.json', 'warn'), f('b.log')),
  ]);
  replicas.push(a!, b!);
  plain = `http://${a!.ready.metricsAddress}`;
  tls = `https://${b!.ready.metricsAddress}`;
});

after(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  redis.disconnect();
  await dropPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request, over https (trusting the test's CA) or http; a form body is sent as one. */
function call(url: string, opts: { method?: string; headers?: Record<string, string>; form?: Record<string, string> } = {}): Promise<Reply> {
  const u = new URL(url);
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  const headers = { ...opts.headers, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) }) };
  return new Promise((resolve, reject) => {
    const done = (res: import('node:http').IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    };
    const options = { method: opts.method ?? 'GET', headers, timeout: 10_000, agent: false as const };
    const req = u.protocol === 'https:' ? httpsRequest(u, { ...options, ca: readFileSync(f('ca.crt')) }, done) : httpRequest(u, options, done);
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in 10 s`)));
    req.end(body);
  });
}

const signIn = (base: string, origin: string | undefined = base, key = keys.admin.key) =>
  call(`${base}/dashboard/login`, { method: 'POST', headers: origin === undefined ? {} : { origin }, form: { key } });
const signOut = (base: string, cookie: string, origin: string | undefined = base) =>
  call(`${base}/dashboard/logout`, { method: 'POST', headers: { cookie, ...(origin === undefined ? {} : { origin }) } });
const state = (base: string, cookie: string) => call(`${base}/dashboard/state`, { headers: { cookie } });

/** The Set-Cookie of a reply, and the `name=value` a browser would send back. */
function sessionCookie(r: Reply): { header: string; sent: string; token: string } {
  assert.equal(r.status, 303, r.body);
  const header = r.headers['set-cookie']?.[0] ?? '';
  const m = /^nightshift_session=([^;]*)/.exec(header);
  assert.ok(m, `a session cookie: ${header}`);
  return { header, sent: `nightshift_session=${m[1]}`, token: m[1]! };
}

test('the sign-in cookie holds a random token, never the admin key or its hash: HttpOnly, SameSite=Strict, and Secure over TLS', async () => {
  const onPlain = sessionCookie(await signIn(plain));
  const onTls = sessionCookie(await signIn(tls));
  for (const c of [onPlain, onTls]) {
    for (const secret of [keys.admin.key, keys.admin.key.slice(3), encodeURIComponent(keys.admin.key), hashKey(keys.admin.key)]) {
      assert.ok(!c.header.includes(secret), `the cookie gives the key away: ${c.header}`);
    }
    assert.match(c.token, /^[A-Za-z0-9_-]{43}$/, '256 random bits');
    assert.match(c.header, /; Path=\/dashboard(;|$)/);
    assert.match(c.header, /; HttpOnly(;|$)/);
    assert.match(c.header, /; SameSite=Strict(;|$)/);
    // Redis keeps the token's hash alone, with a TTL: a copy of Redis opens no session.
    const stored = `${prefix}:dashboard:session:${createHash('sha256').update(c.token).digest('hex')}`;
    const ttl = await redis.ttl(stored);
    assert.ok(ttl > 0 && ttl <= 43_200, `ttl ${ttl}`);
    const all = await redis.keys(`${prefix}:dashboard:*`);
    assert.ok(all.every((k) => !k.includes(c.token)), 'no Redis key holds the raw token');
    assert.equal((await state(c === onPlain ? plain : tls, c.sent)).status, 200);
  }
  assert.doesNotMatch(onPlain.header, /Secure/i, 'plain HTTP: a Secure cookie would never come back');
  assert.match(onTls.header, /; Secure(;|$)/);
  assert.notEqual(onPlain.token, onTls.token);
  // A tenant key opens no session, and what a client makes up is no session.
  const tenant = await signIn(plain, plain, keys.acme.key);
  assert.equal(tenant.status, 403);
  assert.equal(tenant.headers['set-cookie'], undefined);
  assert.equal((await state(plain, `nightshift_session=${'A'.repeat(43)}`)).status, 401);
  assert.equal((await state(plain, `nightshift_key=${keys.admin.key}`)).status, 401, 'the key itself is no cookie');
});

test('a session opened on one replica works on the other, and signing out on either ends it on both', async () => {
  const c = sessionCookie(await signIn(plain));
  assert.equal((await state(plain, c.sent)).status, 200);
  assert.equal((await state(tls, c.sent)).status, 200, 'replica B accepts A\'s session');
  const out = await signOut(tls, c.sent);
  assert.equal(out.status, 303);
  assert.match(out.headers['set-cookie']?.[0] ?? '', /^nightshift_session=; .*Max-Age=0/);
  // The old cookie, kept by someone who copied it, opens nothing anywhere.
  assert.equal((await state(plain, c.sent)).status, 401);
  assert.equal((await state(tls, c.sent)).status, 401);
  assert.equal((await call(`${plain}/dashboard`, { headers: { cookie: c.sent } })).status, 401);
  // The bearer header still works for scripts.
  assert.equal((await call(`${tls}/dashboard/state`, { headers: { authorization: `Bearer ${keys.admin.key}` } })).status, 200);
});

test('sign-in and sign-out sent from another site\'s page are refused (403); the page\'s own origin and clients without one are not', async () => {
  for (const origin of ['https://evil.example', 'null', plain.replace('http:', 'https:'), 'http://127.0.0.1:1']) {
    const r = await signIn(plain, origin);
    assert.equal(r.status, 403, `sign-in from ${origin}`);
    assert.equal(r.headers['set-cookie'], undefined);
  }
  const viaFetchMetadata = await call(`${plain}/dashboard/login`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' }, form: { key: keys.admin.key } });
  assert.equal(viaFetchMetadata.status, 403, 'a browser that leaves Origin out still says cross-site');
  assert.equal((await signIn(tls, plain)).status, 403, 'another replica\'s origin is another origin');

  const c = sessionCookie(await signIn(plain));
  const forged = await signOut(plain, c.sent, 'https://evil.example');
  assert.equal(forged.status, 403);
  assert.equal(forged.headers['set-cookie'], undefined);
  assert.equal((await state(plain, c.sent)).status, 200, 'a forged sign-out ends nothing');

  // Same origin (what a browser sends from the page) and no origin (curl) are accepted.
  assert.equal((await signOut(plain, c.sent, plain)).status, 303);
  assert.equal((await state(plain, c.sent)).status, 401);
  sessionCookie(await signIn(plain, undefined));
  sessionCookie(await signIn(tls, tls));
});

test('the metrics port over TLS serves /metrics and the dashboard, and nothing in plain text', async () => {
  const metrics = await call(`${tls}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /# TYPE nightshift_/);
  const page = await call(`${tls}/dashboard`, { headers: { authorization: `Bearer ${keys.admin.key}` } });
  assert.equal(page.status, 200);
  assert.match(page.body, /<svg|<html/i);
  assert.equal((await call(`${tls}/dashboard`)).status, 401);
  await assert.rejects(call(`${tls.replace('https:', 'http:')}/metrics`), 'plain HTTP to the TLS port gets no page');
});

test('50 sign-ins aborted mid-form log no warning and no stack trace', async () => {
  const log = () =>
    readFileSync(f('a.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown });
  const aborted = () => log().filter((l) => l.msg === 'dashboard sign-in aborted by the client').length;
  const warnings = () => log().filter((l) => l.level >= 40);
  const before = aborted();
  const host = plain.slice('http://'.length);
  const [h, port] = [host.slice(0, host.lastIndexOf(':')), Number(host.slice(host.lastIndexOf(':') + 1))];
  const sockets = await Promise.all(
    Array.from({ length: 50 }, () =>
      new Promise<import('node:net').Socket>((resolve, reject) => {
        const s = connect(port, h, () => {
          // Headers and the start of a form that promises more than it sends.
          s.write(`POST /dashboard/login HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nkey=ns_`, () => resolve(s));
        });
        s.on('error', reject);
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 300)); // the server is reading every body
  for (const s of sockets) s.destroy();
  const deadline = Date.now() + 15_000;
  while (aborted() - before < 50 && warnings().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(warnings(), [], 'an aborted request is no server failure');
  assert.equal(aborted() - before, 50, 'each abort reached the form reader, and was noted at debug');
  assert.ok(log().every((l) => !JSON.stringify(l).includes('"stack"')), 'no stack trace');
  assert.equal((await state(plain, 'x=y')).status, 401, 'the server still answers');
});

test('failed sign-ins from one address are refused with 429 once past the limit, even with the right key', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await signIn(tls, tls, `ns_guess${i}`)).status, 401, `guess ${i}`);
  const blocked = await signIn(tls, tls, 'ns_guess5');
  assert.equal(blocked.status, 429);
  const wait = Number(blocked.headers['retry-after']);
  assert.ok(wait > 0 && wait <= 300, `retry-after ${wait}`);
  const right = await signIn(tls, tls);
  assert.equal(right.status, 429, 'no oracle while blocked');
  assert.equal(right.headers['set-cookie'], undefined);
  // The limit is per replica and per address: the other replica still lets the right key in.
  sessionCookie(await signIn(plain));
});
