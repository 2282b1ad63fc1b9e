// pnpm bench:bulk — one batch object of 1,000,000 minhash documents (log-normal lengths, median 300
// tokens, p99 2,000) end to end on this machine: uploaded in one CreateBatch stream, run by two
// worker processes, every result read back in input order. Runs its own redis-server, so that
// its memory is this batch's. Samples the scheduler's RSS and Redis's memory every 250 ms against
// what Redis must hold at that moment: the tokens of the units not yet run plus the results stored.
// Reports Redis's peak against the most it had to hold at once, and the highest ratio at any one
// moment (late in a run the result cache's copy of the results weighs on that one).
// BULK_DOCS scales it down for a quick look.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { packTokens, seededRandom, type BatchItem } from '@nightshift/proto';
import { BatchClient } from '../src/index.js';
import { startRedisServer, startSchedulerProcess, startWorkerProcess, type ServiceProcess } from '@nightshift/devtools';
import { table } from './table.js';

const DOCS = Number(process.env.BULK_DOCS ?? 1_000_000);
// The services run from their built files, as deployed: memory is measured (tsx alone would hold some 200 MB).
process.env.NIGHTSHIFT_SERVICES = 'dist';
const MEDIAN = 300;
const P99 = 2000;
const RESULT_BYTES = 128 * 4;

/** Item lengths, from a generator of their own: known (and declared) before the tokens are made. */
function lengths(n: number): Uint32Array {
  const rand = seededRandom(18);
  const sigma = Math.log(P99 / MEDIAN) / 2.326;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    out[i] = Math.max(1, Math.min(16_384, Math.round(MEDIAN * Math.exp(sigma * z))));
  }
  return out;
}

/** The corpus, made as it is read: the same for the same seed, never held whole. */
function* corpus(lens: Uint32Array): Generator<BatchItem> {
  const rand = seededRandom(19);
  for (let i = 0; i < lens.length; i++) {
    const tokens = new Uint32Array(lens[i]!);
    for (let k = 0; k < tokens.length; k++) tokens[k] = Math.floor(rand() * 200_000);
    yield { customId: `doc-${i}`, tokens: packTokens(tokens) };
  }
}

function rssBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

async function main(): Promise<void> {
  const say = (s = '') => process.stdout.write(`${s}\n`);
  const redisServer = await startRedisServer();
  const workers: ServiceProcess[] = [];
  let scheduler: ServiceProcess | undefined;
  const redis = new Redis(redisServer.url);
  try {
    for (let i = 1; i <= 2; i++) workers.push(await startWorkerProcess(`w${i}`));
    scheduler = await startSchedulerProcess(redisServer.url, 'bulk', workers, { ...(process.env.BULK_NODE_FLAGS ? { NIGHTSHIFT_NODE_FLAGS: process.env.BULK_NODE_FLAGS } : {}), ...(process.env.BULK_CONFIG ? { NIGHTSHIFT_CONFIG: process.env.BULK_CONFIG } : {}) });
    const client = new BatchClient(scheduler.ready.address, 'bench');
    const base = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const peak = { rss: 0, redis: 0, ratio: 0, held: 0 };
    let sentTokens = 0;
    // The batch as it last showed itself: its units run while it uploads (it declares its size).
    let seen = { tokens: 0, units: 0, unitsDone: 0, done: 0 };
    // What Redis must hold now: the tokens not yet run (sent, less those of the units run), and the results stored.
    const sample = async () => {
      peak.rss = Math.max(peak.rss, rssBytes(scheduler!.child.pid!));
      const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) - base;
      const notRun = (sentTokens - seen.tokens + seen.tokens * (seen.units ? 1 - seen.unitsDone / seen.units : 1)) * 4;
      const held = notRun + seen.done * RESULT_BYTES;
      peak.redis = Math.max(peak.redis, used);
      if (held > 64 * 2 ** 20 && used / held > peak.ratio) {
        peak.ratio = used / held;
        if (process.env.BULK_DEBUG) process.stderr.write(`ratio ${peak.ratio.toFixed(2)}: used ${mb(used)}, not run ${mb(notRun)}, results ${mb(seen.done * RESULT_BYTES)}, units ${seen.unitsDone}/${seen.units}\n`);
      }
      peak.held = Math.max(peak.held, held);
    };
    const timer = setInterval(() => void sample().catch(() => undefined), 250);
    const lens = lengths(DOCS);
    const tokens = lens.reduce((a, l) => a + l, 0);
    let watch: Promise<void> | undefined;
    const follow = (id: string) => {
      watch ??= (async () => {
        for await (const w of client.watch(id)) {
          seen = { tokens: Number(w.tokens), units: w.units, unitsDone: w.unitsDone, done: Number(w.items?.succeeded ?? 0) + Number(w.items?.failed ?? 0) };
        }
      })();
    };
    const t0 = performance.now();
    const b = await client.create({ op: 'minhash', params: { minhash: {} }, idempotencyKey: 'bulk', declaredItems: DOCS, declaredTokens: tokens }, (function* () {
      for (const item of corpus(lens)) {
        sentTokens += item.tokens!.length / 4;
        yield item;
      }
    })(), { itemsPerMessage: 1024, onStored: (_, id) => follow(id) });
    const uploaded = (performance.now() - t0) / 1000;
    follow(b.id);
    let results = 0;
    for await (const r of client.results(b.id)) {
      if (Number(r.index) !== results) throw new Error(`result ${results} came as index ${r.index}`);
      if (r.error !== undefined) throw new Error(`item ${results}: ${r.error}`);
      results++;
    }
    const seconds = (performance.now() - t0) / 1000;
    await watch;
    clearInterval(timer);
    await sample();
    const final = await client.getBatch(b.id);
    client.close();
    say(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; ${DOCS.toLocaleString('en-US')} minhash documents, log-normal lengths (median ${MEDIAN}, p99 ${P99}), ${tokens.toLocaleString('en-US')} tokens; 2 worker processes; a redis-server of its own`);
    say();
    say(table(
      ['wall s', 'upload closed at', 'documents/s', 'units', 'padding', 'scheduler peak RSS', 'Redis peak (over its start)', 'Redis peak ÷ most held at once', 'highest ratio at any moment', 'results', 'state'],
      [[
        seconds.toFixed(1), `${uploaded.toFixed(1)} s`, (DOCS / seconds).toFixed(0), String(final.units), (Number(final.tokens) / Number(final.paddedTokens)).toFixed(3),
        mb(peak.rss), mb(peak.redis), (peak.redis / peak.held).toFixed(2), peak.ratio.toFixed(2), `${results.toLocaleString('en-US')} of ${DOCS.toLocaleString('en-US')}`, final.state,
      ]],
    ));
    if (results !== DOCS) process.exitCode = 1;
  } finally {
    redis.disconnect();
    await scheduler?.stop();
    for (const w of workers) await w.stop();
    await redisServer.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
