import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MultiBar, Presets } from 'cli-progress';
import type { JobEvent__Output, SubmitStreamRequest } from '@nightshift/proto';
import { JobClient } from '../client/index.js';
import { redisAnswers, startRedisServer, type RedisServerHandle } from '../devtools/redis-server.js';
import { dropPrefix } from '../devtools/redis-keys.js';
import { startSchedulerProcess, startWorkerProcess, type ServiceProcess } from '../devtools/service-process.js';
import { formatReport, summarize } from './report.js';

// pnpm demo [--corpus FILE.jsonl] [--ops minhash,embed] [--workers 2]
// The whole system on this machine: Redis (its own if none answers), two
// workers and a scheduler as real processes, the bundled corpus submitted
// over SubmitStream, followed over WatchJobs, and a report.

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: fileURLToPath(new URL('../../samples/corpus.jsonl', import.meta.url)) },
    ops: { type: 'string', default: 'minhash,embed' },
    workers: { type: 'string', default: '2' },
  },
});

const say = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<number> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  let redisServer: RedisServerHandle | undefined;
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `nsdemo-${process.pid}`;
  const cleanup = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    if (redisServer) await redisServer.stop();
    else await dropPrefix(redisUrl, prefix);
  };
  try {
    if (await redisAnswers(redisUrl)) {
      say(`redis: using ${redisUrl} (keys under ${prefix}:, removed at the end)`);
    } else {
      redisServer = await startRedisServer();
      redisUrl = redisServer.url;
      say(`redis: none at ${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'}; started redis-server on ${redisUrl}`);
    }
    const workers: ServiceProcess[] = [];
    for (let i = 1; i <= Number(args.workers); i++) {
      const w = await startWorkerProcess(`w${i}`);
      started.push(w);
      workers.push(w);
      say(`worker w${i}: ${w.ready.address}`);
    }
    const scheduler = await startSchedulerProcess(redisUrl, prefix, workers);
    started.push(scheduler);
    say(`scheduler: ${scheduler.ready.address}`);

    const docs = readFileSync(args.corpus, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { custom_id: string; text: string });
    const ops = args.ops.split(',').map((s) => s.trim());
    const requests: SubmitStreamRequest[] = docs.flatMap((d) => ops.map((op) => ({ requestId: `${d.custom_id}/${op}`, job: { op, text: d.text, clientRef: d.custom_id } })));
    say(`corpus: ${docs.length} documents from ${args.corpus}, ${requests.length} jobs (${ops.join(', ')})\n`);

    const client = new JobClient(scheduler.ready.address, 'demo');
    const bars = new MultiBar({ format: '  {name} [{bar}] {value}/{total}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 }, Presets.shades_classic);
    const admittedBar = bars.create(requests.length, 0, { name: 'admitted' });
    const finishedBar = bars.create(requests.length, 0, { name: 'finished' });
    const ids = new Set<string>();
    const finals = new Set<string>();
    let rejected = 0;
    const t0 = performance.now();
    // Watch before submitting, so that no job can finish unseen.
    const watch = client.watchJobs([]);
    const allDone = new Promise<void>((resolve, reject) => {
      watch.on('data', (e: JobEvent__Output) => {
        if (!['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'].includes(e.state) || finals.has(e.jobId)) return;
        finals.add(e.jobId);
        finishedBar.update(finals.size);
        if (finals.size + rejected === requests.length) resolve();
      });
      watch.on('error', (err: Error & { code?: number }) => (err.code === 1 ? undefined : reject(err)));
    });
    await client.submitMany(requests, (r) => {
      if (r.job) ids.add(r.job.id);
      else {
        rejected++;
        bars.log(`  rejected ${r.requestId}: ${r.error?.message}\n`);
      }
      admittedBar.update(ids.size);
    });
    if (finals.size + rejected < requests.length) await allDone;
    const wall = (performance.now() - t0) / 1000;
    watch.cancel();
    bars.stop();

    const jobs = await client.listAllJobs();
    client.close();
    const report = summarize(jobs.filter((j) => ids.has(j.id)));
    say(formatReport(report, wall));
    return report.byState.SUCCEEDED === requests.length ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
