import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { loadNightshift, packTokens, seededRandom, type JobSpec } from '@nightshift/proto';
import { JOB_STATES } from '../src/jobs/index.js';
import { Keys } from '../src/jobs/keys.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { REDIS_URL } from './helpers/redis.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const systems: TestSystem[] = [];
const redis = new Redis(REDIS_URL);
after(async () => {
  for (const s of systems) await s.stop();
  redis.disconnect();
});

/** Statuses a hostile request may get: each says what was wrong. INTERNAL or UNKNOWN would be a bug of ours. */
const PROPER = new Set([
  grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.RESOURCE_EXHAUSTED, grpc.status.UNAUTHENTICATED, grpc.status.FAILED_PRECONDITION,
  grpc.status.ALREADY_EXISTS, grpc.status.PERMISSION_DENIED, grpc.status.OUT_OF_RANGE, grpc.status.UNIMPLEMENTED,
]);

type Rand = () => number;

/** Hostile values of every kind a field might be given. */
function hostile(rand: Rand): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  return pick<() => unknown>([
    () => NaN, () => Infinity, () => -Infinity, () => -1, () => 2 ** 53, () => -(2 ** 63), () => 0, () => 1e308,
    () => '9223372036854775807', () => '-9223372036854775808', () => '18446744073709551616', () => 'NaN', () => '', () => '0x10',
    () => deepUnicode(rand, 1 + Math.floor(rand() * 64)), () => 'x'.repeat(1 + Math.floor(rand() * 5000)),
    () => Buffer.from([0xff, 0xfe, 0x00]), () => true, () => [], () => ({}), () => null, () => undefined,
    () => ({ seconds: pick(['-99999999999', '99999999999999', '1', 'abc']), nanos: pick([-1, 2e9, NaN, 5]) }),
  ])();
}

/** Combining marks, right-to-left text, zero-width joiners, lone surrogates, astral characters, NULs. */
function deepUnicode(rand: Rand, n: number): string {
  const pieces = ['\u0301', '\u202e', '\u200d', '\ud800', '\udfff', '😀', '\u0000', 'Ω', '\uffff', 'e\u0301\u0301\u0301\u0301', '\u{10ffff}', 'a'];
  return Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
}

/** A JobSpec with some fields hostile, or missing, or of the wrong type. */
function hostileSpec(rand: Rand): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    op: rand() < 0.7 ? ['minhash', 'embed', 'attention'][Math.floor(rand() * 3)] : hostile(rand),
    priority: 0,
  };
  const r = rand();
  if (r < 0.3) spec.text = rand() < 0.5 ? deepUnicode(rand, 1 + Math.floor(rand() * 300)) : hostile(rand);
  else if (r < 0.6) {
    // Token bytes: a wrong length, ids out of range, or random bytes.
    const n = Math.floor(rand() * 64);
    const bytes = Buffer.alloc(rand() < 0.3 ? n * 4 + 1 + Math.floor(rand() * 3) : n * 4);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
    spec.tokens = bytes;
  }
  for (const field of ['priority', 'maxAttempts', 'clientRef', 'maxCost', 'deadline', 'completionWindowSeconds', 'idempotencyKey', 'params']) {
    if (rand() < 0.25) spec[field] = hostile(rand);
  }
  if (rand() < 0.2) spec.params = { [['minhash', 'embed', 'attention', 'nope'][Math.floor(rand() * 4)]!]: { numPerm: hostile(rand), dim: hostile(rand), seed: hostile(rand), shingle: hostile(rand) } };
  return spec;
}

test(`${REQUESTS} malformed or hostile requests: each gets a proper status with a message, honest clients are served meanwhile, and every accepted job is in exactly one state`, async () => {
  const sys = await startSystem('fuzz', { workers: 1, config: { jobs: { maxTokensPerJob: 100_000 } } });
  systems.push(sys);
  const rand = seededRandom(Number(process.env.FUZZ_SEED ?? 8));
  const { grpcObject } = loadNightshift();
  const typed = new grpcObject.nightshift.v1.JobService(sys.scheduler.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 80 * 1024 * 1024 });
  const raw = new grpc.Client(sys.scheduler.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 80 * 1024 * 1024 });
  const tenants = ['fuzz-a', 'fuzz-b'];
  const metadata = () => {
    const md = new grpc.Metadata();
    const r = rand();
    // Mostly a real tenant; sometimes none, a hostile one, or two.
    if (r < 0.9) md.set('x-nightshift-tenant', tenants[Math.floor(rand() * tenants.length)]!);
    else if (r < 0.95) md.set('x-nightshift-tenant', `${deepUnicode(rand, 3)}`.replace(/[^\x20-\x7e]/g, '?'));
    else if (r < 0.97) (md.add('x-nightshift-tenant', 'fuzz-a'), md.add('x-nightshift-tenant', 'fuzz-b'));
    return md;
  };

  const outcomes = new Map<string, number>();
  const improper: string[] = [];
  const accepted = new Map<string, string>(); // job id → tenant
  const note = (method: string, err: grpc.ServiceError | null, tenant: string, job?: { id?: string }) => {
    if (!err) {
      outcomes.set('OK', (outcomes.get('OK') ?? 0) + 1);
      if (job?.id) accepted.set(job.id, tenant);
      return;
    }
    outcomes.set(grpc.status[err.code] ?? String(err.code), (outcomes.get(grpc.status[err.code] ?? String(err.code)) ?? 0) + 1);
    if (!PROPER.has(err.code) || !err.details) improper.push(`${method}: ${grpc.status[err.code]} "${err.details}"`);
  };
  const tenantOf = (md: grpc.Metadata) => String(md.get('x-nightshift-tenant')[0] ?? '');
  const deadline = () => ({ deadline: Date.now() + 30_000 });

  // Every request is encoded here and sent as bytes: what the client library would refuse to encode
  // (wrong types, say) never reaches the server, and is counted apart.
  const service = grpcObject.nightshift.v1.JobService.service;
  let clientSide = 0;
  const request = (method: string, body: unknown): Buffer | undefined => {
    if (Buffer.isBuffer(body)) return body;
    try {
      return service[method]!.requestSerialize(body);
    } catch {
      clientSide++;
      return undefined;
    }
  };

  /** One hostile request of some kind; resolves when answered (true), or at once if it could not be encoded (false). */
  const one = (k: number): Promise<boolean> => {
    const md = metadata();
    const t = tenantOf(md);
    const kind = rand();
    const randomBytes = () => Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
    const [method, body]: [string, unknown] =
      kind < 0.45 ? ['Submit', { job: rand() < 0.05 ? hostile(rand) : hostileSpec(rand) }]
      : kind < 0.55 ? ['GetJob', { jobId: rand() < 0.5 ? hostile(rand) : `${'../'.repeat(k % 5)}${deepUnicode(rand, 4)}`, omitResult: hostile(rand) }]
      : kind < 0.6 ? ['CancelJob', { jobId: hostile(rand) }]
      : kind < 0.65 ? ['ListJobs', { pageSize: hostile(rand), pageToken: hostile(rand), states: [hostile(rand)] }]
      : kind < 0.7 ? ['Quote', { job: hostileSpec(rand) }]
      : kind < 0.75 ? ['BatchGetJobs', { jobIds: Array.from({ length: Math.floor(rand() * 3000) }, () => '00000000-0000-4000-8000-000000000000'), omitResult: true }]
      // Bytes that may not decode at all, to every method.
      : [['Submit', 'GetJob', 'CancelJob', 'ListJobs', 'Quote', 'GetUsage', 'BatchGetJobs'][Math.floor(rand() * 7)]!, randomBytes()];
    const bytes = request(method, body);
    if (!bytes) return Promise.resolve(false);
    const m = service[method]!;
    return new Promise((resolve) =>
      raw.makeUnaryRequest(m.path, (b: Buffer) => b, m.responseDeserialize as (b: Buffer) => { job?: { id?: string } }, bytes, md, deadline(), (err, res) => {
        note(Buffer.isBuffer(body) ? `${method} (random bytes)` : method, err, t, method === 'Submit' ? (res?.job ?? undefined) : undefined);
        resolve(true);
      }),
    );
  };

  // An honest client, all along: every job it submits succeeds.
  const honest = sys.client('honest');
  let stop = false;
  const honestIds: string[] = [];
  const honestLoop = (async () => {
    for (let i = 0; !stop; i++) {
      honestIds.push((await honest.submit({ op: 'minhash', tokens: packTokens(Uint32Array.from({ length: 50 }, (_, k) => k + i * 50)) })).id);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  // 64 MB payloads: refused by size, before anything else reads them.
  const big: JobSpec = { op: 'embed', text: 'a'.repeat(64 * 1024 * 1024) };
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((resolve) => typed.submit({ job: big }, metadata(), deadline(), (err, res) => (note('Submit (64 MB)', err, 'fuzz-a', res?.job ?? undefined), resolve())));
  }
  // A flood of WatchJobs streams, opened at once and cancelled.
  const watches = Array.from({ length: 500 }, (_, i) => {
    const call = typed.watchJobs({ jobIds: i % 2 ? [] : ['00000000-0000-4000-8000-00000000000' + (i % 10)] }, metadata());
    call.on('error', (err: grpc.ServiceError) => err.code !== grpc.status.CANCELLED && note('WatchJobs', err, ''));
    call.on('data', () => undefined);
    return call;
  });

  let sent = 2 + watches.length;
  const inFlight = new Set<Promise<void>>();
  for (let k = 0; sent < REQUESTS; k++) {
    const p = one(k).then((reached) => void (reached && sent++)).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 32) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  for (const w of watches) w.cancel();
  stop = true;
  await honestLoop;

  assert.deepEqual(improper.slice(0, 20), [], `${improper.length} replies without a proper status and message`);
  assert.ok(sent >= 10_000 || REQUESTS < 10_000, `${sent} requests`);
  const honestEvents = await watchUntilFinal(honest, honestIds, 60_000);
  assert.ok(honestIds.length >= 10, `${honestIds.length} honest jobs`);
  for (const id of honestIds) assert.equal(honestEvents.get(id)!.at(-1)?.state, 'JOB_STATE_SUCCEEDED', `honest job ${id}`);

  // Every accepted job ends, and sits in exactly one state index, the one its record says.
  for (const tenant of tenants) {
    const ids = [...accepted].filter(([, t]) => t === tenant).map(([id]) => id);
    await watchUntilFinal(sys.client(tenant), ids, 60_000);
    const keys = new Keys(sys.prefix);
    const all = await redis.zrange(keys.jobs(tenant), 0, -1);
    assert.equal(all.length, ids.length, `${tenant}: every accepted job is recorded, and nothing else`);
    for (const id of all) {
      const state = await redis.hget(keys.job(tenant, id), 'state');
      const member = await Promise.all(JOB_STATES.map((s) => redis.zscore(keys.state(tenant, s), id)));
      const inStates = JOB_STATES.filter((_, i) => member[i] !== null);
      assert.deepEqual(inStates, [state], `job ${id}`);
    }
  }
  raw.close();
  typed.close();
  process.stderr.write(`fuzz: ${sent} requests reached the server (${clientSide} more could not be encoded), ${accepted.size} accepted; ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
});
