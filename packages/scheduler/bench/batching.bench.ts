// pnpm bench:batching — nightshift's batching against FIFO batches, a plain BullMQ setup and an
// in-process loop with no queue, on 20,000 jobs of log-normal lengths, with the same native
// kernels everywhere. Runs its own redis-server (so that INFO commandstats counts only this
// run) and its own worker processes. Prints tables; BENCHMARKS.md records them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { packTokens, resolveOp, seededRandom, type Job__Output, type OpName } from '@nightshift/proto';
import { loadNative, nativeParams } from '@nightshift/worker';
import { BatchClient, FINAL_API_STATES, JobClient } from '../src/index.js';
import { table } from './table.js';
import { runInProcess } from './in-process.js';
import { grpcFloor } from './grpc-floor.js';
import { startRedisServer, startSchedulerProcess, startWorkerProcess, type ServiceProcess, logNormalLengths } from '@nightshift/devtools';
import { paddedTokens } from '../src/batching/index.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
/** The issue's end-to-end targets: nightshift's documents/s over plain BullMQ's. */
const TARGET: Record<'minhash' | 'attention', number> = { minhash: 2, attention: 1.5 };
const WORKERS = 2;


function corpus(n: number, op: OpName): Uint32Array[] {
  const rand = seededRandom(op.length * 7919);
  return logNormalLengths(n, 42, { max: 60_000 }).map((len) => Uint32Array.from({ length: op === 'attention' ? Math.min(len, 4096) : len }, () => Math.floor(rand() * 200_000)));
}

/** FIFO batches with the same limits: jobs in arrival order, a batch closed when the next does not fit. */
function fifoEfficiency(seqLengths: number[], maxJobs: number, maxPadded: number): number {
  let real = 0;
  let padded = 0;
  let count = 0;
  let longest = 0;
  const close = () => {
    padded += paddedTokens(count, longest);
    count = 0;
    longest = 0;
  };
  for (const n of seqLengths) {
    if (count > 0 && (count + 1 > maxJobs || paddedTokens(count + 1, Math.max(longest, n)) > maxPadded)) close();
    count++;
    longest = Math.max(longest, n);
    real += n;
  }
  if (count) close();
  return real / padded;
}

/** CPU seconds a process has used so far (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** Read and write system calls a process has made so far (Linux /proc; 0 elsewhere): its round trips, in effect. */
function syscalls(pid: number): number {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0) + Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function commandStats(redis: Redis): Promise<{ commands: number; scripts: number }> {
  const info = await redis.info('commandstats');
  let commands = 0;
  let scripts = 0;
  for (const m of info.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)) {
    const name = m[1]!;
    const calls = Number(m[2]);
    if (['info', 'config|resetstat', 'config', 'client|setname', 'client|setinfo', 'hello', 'select', 'ping'].includes(name)) continue;
    commands += calls;
    if (name === 'evalsha' || name === 'eval') scripts += calls;
  }
  return { commands, scripts };
}

interface RunFigures {
  seconds: number;
  jobs: number;
  tokens: number;
  commands: number;
  scripts: number;
  efficiency?: number;
  batches?: Map<string, Job__Output[]>;
  submitSeconds?: number;
  /** CPU seconds of each process over the run. */
  cpu?: Record<string, number>;
  /** The scheduler's read and write system calls over the run. */
  schedulerSyscalls?: number;
}

async function runNightshift(url: string, redisPid: number, op: OpName, seqs: Uint32Array[], workers: ServiceProcess[], maxBatchJobs: number, tag: string): Promise<RunFigures> {
  const prefix = `bench-${tag}`;
  const redis = new Redis(url);
  // The scheduler as it is deployed: a process of its own, configured by its file.
  const config = join(mkdtempSync(join(tmpdir(), 'ns-bench-')), 'scheduler.yaml');
  writeFileSync(config, `batching:\n  maxBatchJobs: ${maxBatchJobs}\n  maxQueueDelayMs: ${Number(process.env.BENCH_DELAY ?? 5)}\n`);
  const scheduler = await startSchedulerProcess(url, prefix, workers, { NIGHTSHIFT_CONFIG: config });
  const client = new JobClient(scheduler.ready.address, 'bench');
  const params = {};
  await redis.config('RESETSTAT');
  const finals = new Set<string>();
  const pids = { scheduler: [scheduler.child.pid!], workers: workers.map((w) => w.child.pid!), redis: [redisPid] };
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, list.reduce((a, p) => a + cpuSeconds(p), 0)]));
  const syscalls0 = syscalls(scheduler.child.pid!);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  // Results are what the run waits for: only final states, as a client waiting for them asks.
  const watch = client.watchJobs([], FINAL_API_STATES);
  const done = new Promise<void>((resolve) => {
    watch.on('data', (e: { jobId: string; state: string }) => {
      if (e.state === 'JOB_STATE_SUCCEEDED' || e.state === 'JOB_STATE_FAILED') {
        finals.add(e.jobId);
        if (finals.size === seqs.length) resolve();
      }
    });
    watch.on('error', () => undefined);
  });
  await client.submitMany(
    seqs.map((s, i) => ({ requestId: String(i), job: { op, params: { [op]: params }, tokens: packTokens(s), clientRef: String(i) } })),
    (r) => {
      if (!r.job) throw new Error(r.error?.message);
    },
    Number(process.env.BENCH_WINDOW ?? 1024),
  );
  const submitSeconds = (performance.now() - t0) / 1000;
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const clientCpu = process.cpuUsage(client0);
  const schedulerSyscalls = syscalls(scheduler.child.pid!) - syscalls0;
  const cpu: Record<string, number> = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, list.reduce((a, p) => a + cpuSeconds(p), 0) - cpuBefore[k]!]));
  cpu.client = (clientCpu.user + clientCpu.system) / 1e6;
  watch.cancel();
  const stats = await commandStats(redis);
  if (process.env.BENCH_DEBUG) process.stderr.write((await redis.info('commandstats')).split('\n').filter((l) => /calls=\d{3,}/.test(l)).join('\n') + '\n');
  const jobs = await client.listAllJobs();
  const batches = new Map<string, Job__Output[]>();
  for (const j of jobs) batches.set(j.batchId, [...(batches.get(j.batchId) ?? []), j]);
  let real = 0;
  let padded = 0;
  for (const b of batches.values()) {
    real += b.reduce((s, j) => s + j.tokenCount, 0);
    padded += paddedTokens(b.length, Math.max(...b.map((j) => j.tokenCount)));
  }
  client.close();
  await scheduler.stop();
  rmSync(dirname(config), { recursive: true, force: true });
  redis.disconnect();
  return { seconds, jobs: seqs.length, tokens: seqs.reduce((s, q) => s + q.length, 0), ...stats, efficiency: real / padded, batches, submitSeconds, cpu, schedulerSyscalls };
}

/**
 * The same documents as one batch object: uploaded in one CreateBatch stream, run in units, and
 * every result read back in input order (GetBatchResults). From the first byte sent to the last
 * result read.
 */
async function runBatchObject(url: string, redisPid: number, op: OpName, seqs: Uint32Array[], workers: ServiceProcess[], tag: string): Promise<RunFigures & { units: number }> {
  const prefix = `bench-${tag}`;
  const redis = new Redis(url);
  const scheduler = await startSchedulerProcess(url, prefix, workers, { ...(process.env.BENCH_PROFILE ? { NIGHTSHIFT_NODE_FLAGS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {}), ...(process.env.BENCH_MALLOC ? { MALLOC_MMAP_THRESHOLD_: '67108864', MALLOC_TRIM_THRESHOLD_: '268435456' } : {}) });
  const client = new BatchClient(scheduler.ready.address, 'bench');
  // A small batch first: the code paths warm (compiled, connections open) before anything is measured.
  // Other documents than the run's (reversed), so that none of them is in the result cache for the run.
  const warm = await client.create({ op, params: { [op]: {} }, idempotencyKey: `${tag}-warm-up` }, seqs.slice(0, 500).map((s, i) => ({ customId: String(i), tokens: packTokens(s.slice().reverse()) })));
  for await (const _ of client.results(warm.id));
  await redis.config('RESETSTAT');
  const pids = { scheduler: [scheduler.child.pid!], workers: workers.map((w) => w.child.pid!), redis: [redisPid] };
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, list.reduce((a, p) => a + cpuSeconds(p), 0)]));
  const syscalls0 = syscalls(scheduler.child.pid!);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  // Its size declared: units run while the rest is uploaded.
  const size = { declaredItems: seqs.length, declaredTokens: seqs.reduce((a, s) => a + s.length, 0) };
  const b = await client.create({ op, params: { [op]: {} }, idempotencyKey: tag, ...size }, seqs.map((s, i) => ({ customId: String(i), tokens: packTokens(s) })), { itemsPerMessage: 1024 });
  const submitSeconds = (performance.now() - t0) / 1000;
  let results = 0;
  for await (const r of client.results(b.id)) {
    if (r.error !== undefined || Number(r.index) !== results) throw new Error(`item ${results}: ${r.error ?? `index ${r.index}`}`);
    results++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const clientCpu = process.cpuUsage(client0);
  const schedulerSyscalls = syscalls(scheduler.child.pid!) - syscalls0;
  const cpu: Record<string, number> = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, list.reduce((a, p) => a + cpuSeconds(p), 0) - cpuBefore[k]!]));
  cpu.client = (clientCpu.user + clientCpu.system) / 1e6;
  const stats = await commandStats(redis);
  if (process.env.BENCH_DEBUG) process.stderr.write((await redis.info('commandstats')).split('\n').filter((l) => /calls=\d{2,}/.test(l)).join('\n') + '\n');
  const done = await client.getBatch(b.id);
  if (results !== seqs.length) throw new Error(`${results} results for ${seqs.length} documents`);
  client.close();
  await scheduler.stop();
  redis.disconnect();
  return {
    seconds, jobs: seqs.length, tokens: seqs.reduce((s, q) => s + q.length, 0), ...stats, efficiency: Number(done.tokens) / Number(done.paddedTokens),
    submitSeconds, cpu, schedulerSyscalls, units: done.units,
  };
}

/** What a user would write with BullMQ alone: addBulk, then Workers running the kernel one job at a time. */
async function runPlainBullmq(url: string, redisPid: number, op: OpName, seqs: Uint32Array[], concurrency: number, tag: string): Promise<RunFigures> {
  const addon = loadNative().addon!;
  const params = nativeParams(resolveOp(op, null));
  const redis = new Redis(url);
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(`plain-${tag}`, { connection, prefix: 'plain' });
  await redis.config('RESETSTAT');
  const redis0 = cpuSeconds(redisPid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < seqs.length; i += 1000) {
    await queue.addBulk(seqs.slice(i, i + 1000).map((s) => ({ name: op, data: { tokens: Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('base64') }, opts: { removeOnComplete: false } })));
  }
  let finished = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const workers = Array.from({ length: WORKERS }, () =>
    new Worker(
      queue.name,
      async (job) => {
        const b = Buffer.from(job.data.tokens as string, 'base64');
        const tokens = new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
        const r = await addon.runBatch(op, params, tokens, Uint32Array.of(0, tokens.length));
        // The whole result, kept with the job as nightshift keeps it (in base64, the cheapest JSON form), for the user to read.
        return Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength).toString('base64');
      },
      { connection, prefix: 'plain', concurrency },
    ).on('completed', () => {
      if (++finished === seqs.length) resolveAll();
    }),
  );
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const cpu = { process: (own.user + own.system) / 1e6, redis: cpuSeconds(redisPid) - redis0 };
  await Promise.all(workers.map((w) => w.close()));
  const stats = await commandStats(redis);
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  redis.disconnect();
  return { seconds, jobs: seqs.length, tokens: seqs.reduce((s, q) => s + q.length, 0), ...stats, cpu };
}

/**
 * The ceiling: the same batches nightshift formed, run by the same kernels with no queue at all,
 * as many at once as the workers had threads (each call on one thread, as each worker ran).
 */
async function ceilingSeconds(op: OpName, seqs: Uint32Array[], batches: Map<string, Job__Output[]>): Promise<number> {
  const t0 = performance.now();
  await runInProcess(op, [...batches.values()].map((b) => b.map((j) => seqs[Number(j.clientRef)]!)), WORKERS);
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const say = (s = '') => process.stdout.write(`${s}\n`);
  const redisServer = await startRedisServer();
  const workers: ServiceProcess[] = [];
  try {
    for (let i = 1; i <= WORKERS; i++) {
      workers.push(await startWorkerProcess(`w${i}`));
    }
    const quick = process.env.BENCH_QUICK as OpName | undefined;
    if (quick && process.env.BENCH_BATCH) {
      // A development aid: the batch object alone on one op, one line.
      const seqs = corpus(JOBS, quick);
      const b = await runBatchObject(redisServer.url, redisServer.pid, quick, seqs, workers, `quick-batch-${quick}`);
      say(`${quick} as one batch: ${b.seconds.toFixed(2)} s (upload closed at ${b.submitSeconds!.toFixed(2)} s), ${(b.jobs / b.seconds).toFixed(0)} docs/s, ${b.units} units, padding ${b.efficiency!.toFixed(3)}, ${(b.commands / b.jobs).toFixed(3)} commands and ${(b.scripts / b.jobs).toFixed(4)} scripts a document`);
      say(`CPU µs a document: ${Object.entries(b.cpu!).map(([k, v]) => `${k} ${((v / b.jobs) * 1e6).toFixed(1)}`).join(', ')}`);
      // The floor under the scheduler's figure: a grpc-js server that receives the same upload and does nothing else.
      if (process.env.BENCH_FLOOR !== '0') say(`a bare grpc-js server receiving the same upload: ${((await grpcFloor(seqs)) * 1e6).toFixed(1)} µs of CPU a document`);
      const c = Number(process.env.BENCH_PLAIN ?? 0);
      if (c > 0) {
        const plain = await runPlainBullmq(redisServer.url, redisServer.pid, quick, seqs, c, `quick-${quick}-${c}`);
        say(`plain BullMQ (c=${c}): ${plain.seconds.toFixed(2)} s, ${(plain.jobs / plain.seconds).toFixed(0)} jobs/s; batch ÷ BullMQ ${(plain.seconds / b.seconds).toFixed(2)}×`);
      }
      return;
    }
    if (quick) {
      // A development aid: nightshift alone on one op, one line.
      const ns = await runNightshift(redisServer.url, redisServer.pid, quick, corpus(JOBS, quick), workers, Number(process.env.BENCH_MAX_JOBS ?? 64), `quick-${quick}`);
      say(`${quick}: ${ns.seconds.toFixed(2)} s (all submitted at ${ns.submitSeconds!.toFixed(2)} s), ${(ns.jobs / ns.seconds).toFixed(0)} jobs/s, ${ns.batches!.size} batches, padding ${ns.efficiency!.toFixed(3)}, ${(ns.commands / ns.jobs).toFixed(1)} commands and ${(ns.scripts / ns.jobs).toFixed(2)} scripts a job`);
      // The fewest batches these jobs could make: each bucket cut into full batches.
      const byBucket = new Map<string, number[]>();
      for (const b of ns.batches!.values()) for (const j of b) byBucket.set(j.bucket, [...(byBucket.get(j.bucket) ?? []), j.tokenCount]);
      let fewest = 0;
      for (const lengths of byBucket.values()) fewest += Math.ceil(lengths.length / Math.max(1, Math.min(Number(process.env.BENCH_MAX_JOBS ?? 64), Math.floor(262_144 / Math.max(...lengths)))));
      say(`buckets ${byBucket.size}, fewest batches ${fewest}`);
      say(`CPU seconds: ${Object.entries(ns.cpu!).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}; the scheduler's system calls (read and write) a job: ${(ns.schedulerSyscalls! / ns.jobs).toFixed(2)}`);
      // BENCH_PLAIN=c: plain BullMQ at concurrency c on the same jobs, right after, for a ratio from the same minute.
      const c = Number(process.env.BENCH_PLAIN ?? 0);
      if (c > 0) {
        const plain = await runPlainBullmq(redisServer.url, redisServer.pid, quick, corpus(JOBS, quick), c, `quick-${quick}-${c}`);
        say(`plain BullMQ (c=${c}): ${plain.seconds.toFixed(2)} s, ${(plain.jobs / plain.seconds).toFixed(0)} jobs/s; nightshift ÷ BullMQ ${(plain.seconds / ns.seconds).toFixed(2)}×; CPU seconds: ${Object.entries(plain.cpu!).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
      }
      return;
    }
    say(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; ${JOBS.toLocaleString('en-US')} jobs, log-normal lengths (median 300, p99 8,000); ${WORKERS} worker processes of 1 kernel thread; redis-server of its own`);
    say();
    const rows: string[][] = [];
    const commandRows: string[][] = [];
    const cpuRows: string[][] = [];
    // BENCH_OPS=attention, BENCH_SWEEP=0, BENCH_PLAIN_CS=1,4: a shorter run (scripts/gpu-check.sh on a GPU).
    const ops = (process.env.BENCH_OPS ?? 'minhash,attention').split(',') as ('minhash' | 'attention')[];
    const concurrencies = (process.env.BENCH_PLAIN_CS ?? '1,2,4,8').split(',').map(Number);
    const json: Record<string, unknown>[] = [];
    for (const op of ops) {
      const seqs = corpus(JOBS, op);
      const ns = await runNightshift(redisServer.url, redisServer.pid, op, seqs, workers, 64, `${op}-64`);
      const kernel0 = process.cpuUsage();
      const ceiling = await ceilingSeconds(op, seqs, ns.batches!);
      const kernelCpu = process.cpuUsage(kernel0);
      let best: RunFigures | undefined;
      let bestConcurrency = 0;
      for (const c of concurrencies) {
        const plain = await runPlainBullmq(redisServer.url, redisServer.pid, op, seqs, c, `${op}-${c}`);
        if (!best || plain.seconds < best.seconds) [best, bestConcurrency] = [plain, c];
      }
      const fifo = fifoEfficiency(seqs.map((s) => s.length), 64, 262_144);
      rows.push([
        op,
        ns.efficiency!.toFixed(3),
        fifo.toFixed(3),
        `${(ns.jobs / ns.seconds).toFixed(0)} / ${((ns.tokens / ns.seconds) / 1e6).toFixed(2)} M`,
        `${(best!.jobs / best!.seconds).toFixed(0)} / ${((best!.tokens / best!.seconds) / 1e6).toFixed(2)} M (c=${bestConcurrency})`,
        `${(best!.seconds / ns.seconds).toFixed(2)}×`,
        `${(ceiling / ns.seconds).toFixed(2)}`,
        `${(best!.seconds / ceiling).toFixed(2)}×`,
      ]);
      const cpu = ns.cpu!;
      const total = Object.values(cpu).reduce((a, b) => a + b, 0);
      const perK = (v: number, jobs = ns.jobs) => ((v / jobs) * 1e6).toFixed(0);
      // The most any scheduler could reach here: were its own CPU free, the other processes' CPU per job on all cores.
      const bound = (cpus().length * ns.jobs) / (total - cpu.scheduler!);
      const plainCpu = best!.cpu!;
      const perJob = (v: number) => perK(v, best!.jobs);
      cpuRows.push([
        op, ns.seconds.toFixed(2), perK(cpu.scheduler!), perK(cpu.workers!), perK(cpu.redis!), perK(cpu.client!), perK(total), `${((total / (ns.seconds * cpus().length)) * 100).toFixed(0)}%`,
        `${bound.toFixed(0)} (${(bound / (best!.jobs / best!.seconds)).toFixed(2)}×)`,
        `${perJob(plainCpu.process!)} / ${perJob(plainCpu.redis!)} / ${perJob(plainCpu.process! + plainCpu.redis!)}`,
        perK((kernelCpu.user + kernelCpu.system) / 1e6),
        // All the CPU a job may take, every process together, for nightshift to reach its target on these cores.
        ((cpus().length * 1e6) / (TARGET[op] * (best!.jobs / best!.seconds))).toFixed(0),
      ]);
      json.push({ op, jobs: ns.jobs, nightshiftSeconds: ns.seconds, plainSeconds: best!.seconds, plainConcurrency: bestConcurrency, ceilingSeconds: ceiling, padding: ns.efficiency, nightshiftOverPlain: best!.seconds / ns.seconds, nightshiftOverCeiling: ceiling / ns.seconds, ceilingOverPlain: best!.seconds / ceiling });
      commandRows.push([op, (ns.commands / ns.jobs).toFixed(1), (ns.scripts / ns.jobs).toFixed(1), (best!.commands / best!.jobs).toFixed(1), (best!.scripts / best!.jobs).toFixed(1)]);
      process.stderr.write('.');
    }
    const sweep: string[][] = [];
    const seqs = corpus(JOBS, 'minhash');
    for (const maxJobs of process.env.BENCH_SWEEP === '0' ? [] : [1, 8, 64, 256]) {
      const ns = await runNightshift(redisServer.url, redisServer.pid, 'minhash', seqs, workers, maxJobs, `sweep-${maxJobs}`);
      const ceiling = await ceilingSeconds('minhash', seqs, ns.batches!);
      sweep.push([String(maxJobs), String(ns.batches!.size), ns.efficiency!.toFixed(3), (ns.seconds).toFixed(2), ceiling.toFixed(2), (((ns.seconds - ceiling) / ns.jobs) * 1e6).toFixed(0)]);
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ machine: cpus()[0]?.model, cores: cpus().length, workers: WORKERS, rows: json }, null, 1)}\n`);
    say('1-3. padding efficiency, end-to-end documents/s and tokens/s (first submit to last result), and the share of the in-process ceiling');
    say();
    say(table(['op', 'padding eff.', 'FIFO padding eff.', 'nightshift docs/s / tok/s', 'plain BullMQ docs/s / tok/s', 'nightshift ÷ BullMQ', 'nightshift ÷ ceiling', 'ceiling ÷ BullMQ'], rows));
    say();
    say('   where the CPU went in the nightshift runs: µs of CPU per job in each process, how busy the machine was, the most');
    say('   documents/s any scheduler could reach with these workers, this Redis work and this client (all cores ÷ their CPU per job),');
    say('   the same µs per job of the best plain BullMQ run (its one process, which runs the kernel too, and Redis), the kernel');
    say('   alone (the CPU of the ceiling run), and the most CPU a job may take in all for nightshift to meet its target');
    say('   (2× plain BullMQ for minhash, 1.5× for attention) on these cores');
    say();
    say(table(['op', 'wall s', 'scheduler', 'workers', 'redis', 'client', 'all', 'of all cores', 'free-scheduler bound docs/s (÷ BullMQ)', 'plain BullMQ process / redis / all', 'kernel', 'all, at the target'], cpuRows));
    say();
    say('4. Redis work per job (INFO commandstats over each run; commands include those inside Lua scripts)');
    say();
    say(table(['op', 'nightshift commands', 'nightshift scripts', 'plain BullMQ commands', 'plain BullMQ scripts'], commandRows));
    if (sweep.length === 0) return;
    say();
    say('5. max batch size sweep, minhash: scheduler overhead per job = (end-to-end − in-process time of the same batches) ÷ jobs');
    say();
    say(table(['max batch', 'batches', 'padding eff.', 'end-to-end s', 'in-process s', 'overhead µs/job'], sweep));
  } finally {
    for (const w of workers) await w.stop();
    await redisServer.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
