import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Job__Output } from '@nightshift/proto';
import { BatchClient, FINAL_API_STATES, JobClient } from '@nightshift/scheduler';
import { corpusDocuments, runPipeline, type PipelineReport } from '@nightshift/scheduler/pipeline';
import { redisAnswers, startRedisServer, type RedisServerHandle } from '../redis-server.js';
import { dropPrefix } from '../redis-keys.js';
import { startSchedulerProcess, startWorkerProcess, type ServiceProcess } from '../service-process.js';
import { pipelineProgress } from './progress.js';
import { formatInteractive, formatPipelines, formatReport, type InteractiveJob } from './report.js';

// pnpm demo [--corpus FILE.jsonl|FOLDER] [--ops minhash,embed] [--workers 2] [--out DIR]
// The whole system on this machine: Redis (its own if none answers), two
// workers and a scheduler as real processes, and the nightly pipeline
// (nightshift pipeline run) on the bundled corpus for each op: tokenized,
// uploaded as one batch (CreateBatch), results read back in input order
// (GetBatchResults), near-duplicate clusters written, and a report. While
// the first batch runs, a few documents go as interactive jobs (Submit),
// which keep their priority over the batch's units.

/** Interactive jobs submitted next to the first batch. */
const INTERACTIVE = 3;

/** The bundled sample corpus, which the scheduler's tests and benchmarks share. */
const SAMPLE_CORPUS = join(dirname(createRequire(import.meta.url).resolve('@nightshift/scheduler/package.json')), 'samples/corpus.jsonl');

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: SAMPLE_CORPUS },
    ops: { type: 'string', default: 'minhash,embed' },
    workers: { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});

const say = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<number> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  let redisServer: RedisServerHandle | undefined;
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `nsdemo-${process.pid}`;
  let logs: string | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
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
    const ops = args.ops.split(',').map((s) => s.trim());
    const bad = ops.find((op) => op !== 'minhash' && op !== 'embed');
    if (bad) throw new Error(`--ops: the pipeline runs minhash and embed, not ${bad}`);
    const out = args.out ?? mkdtempSync(join(tmpdir(), 'nightshift-demo-'));
    // The services' JSON logs go to files, so the report reads clean; the demo counts what they warn of.
    logs = join(out, 'logs');
    mkdirSync(logs, { recursive: true });
    const workers: ServiceProcess[] = [];
    for (let i = 1; i <= Number(args.workers); i++) {
      const w = await startWorkerProcess(`w${i}`, {}, [], join(logs, `w${i}.log`));
      started.push(w);
      workers.push(w);
      say(`worker w${i}: ${w.ready.address}`);
    }
    const scheduler = await startSchedulerProcess(redisUrl, prefix, workers, {}, join(logs, 'scheduler.log'));
    started.push(scheduler);
    say(`scheduler: ${scheduler.ready.address}`);

    say(`corpus: ${args.corpus}; the nightly pipeline (nightshift pipeline run) for ${ops.join(', ')}; results under ${out}\n`);

    const client = new JobClient(scheduler.ready.address, 'demo');
    const batches = new BatchClient(scheduler.ready.address, 'demo');
    const progress = pipelineProgress();
    const t0 = performance.now();
    const runs: PipelineReport[] = [];
    let interactive: Promise<InteractiveJob[]> | undefined;
    let interactiveNext = '';
    try {
      for (const op of ops as Array<'minhash' | 'embed'>) {
        runs.push(
          await runPipeline(batches, {
            source: args.corpus, op, out: join(out, op), threshold: 0.8, extra: {},
            progress: (phase, done, total) => progress.update(op, phase, done, total),
            // A few single jobs, sent once the first batch is uploaded, while it runs: they go ahead of its units.
            onBatch: (b) => {
              if (interactive) return;
              interactiveNext = `${op} batch ${b.id}`;
              interactive = runInteractive(client, args.corpus, op, b.id, batches);
              interactive.catch(() => undefined);
            },
          }),
        );
      }
    } finally {
      progress.stop();
    }
    const wall = (performance.now() - t0) / 1000;
    const jobs = (await interactive) ?? [];
    client.close();
    batches.close();
    say(formatReport(runs, wall));
    say(formatInteractive(jobs, interactiveNext));
    say(formatPipelines(runs, out));
    await cleanup();
    say(logSummary(logs));
    return runs.every((r) => r.failed === 0 && r.skipped.length === 0) && jobs.every((j) => j.state === 'SUCCEEDED') ? 0 : 1;
  } catch (err) {
    // The services' own account of what went wrong is in their logs, not on screen.
    if (logs && err instanceof Error) err.message += ` (the services' logs: ${logs})`;
    throw err;
  } finally {
    await cleanup();
  }
}

/**
 * Interactive jobs (Submit), sent while batch `batchId` runs: the opening of each of the first few
 * documents (not a whole document, which the batch may have put in the result cache already),
 * each followed to its end: how long it took, and how far the batch had come by then.
 */
async function runInteractive(client: JobClient, corpus: string, op: string, batchId: string, batches: BatchClient): Promise<InteractiveJob[]> {
  const docs: Array<{ customId: string; text: string }> = [];
  for await (const d of corpusDocuments(corpus)) if (docs.push(d) >= INTERACTIVE) break;
  return Promise.all(
    docs.map(async (d) => {
      const start = performance.now();
      const customId = `${d.customId}:head`;
      const job = await client.submit({ op, text: d.text.slice(0, 400), clientRef: customId });
      let final: Job__Output['state'] = job.state;
      for await (const e of client.watchJobs([job.id], FINAL_API_STATES)) final = e.state;
      const seconds = (performance.now() - start) / 1000;
      const b = await batches.getBatch(batchId);
      return { customId, state: final.replace('JOB_STATE_', ''), seconds, batchUnitsDone: b.unitsDone, batchUnits: b.units };
    }),
  );
}

/** One line on the services' logs: where they are, and how many warnings and errors they hold, by message. */
function logSummary(dir: string): string {
  const counts = new Map<string, number>();
  for (const file of readdirSync(dir).sort()) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      // A line that is not JSON (Node's own warnings) counts as a warning, as it stands.
      const entry = parseLogLine(line);
      if (entry.level >= 40) counts.set(entry.msg, (counts.get(entry.msg) ?? 0) + 1);
    }
  }
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  const what = [...counts].map(([msg, k]) => `\n    ${k}× ${msg}`).join('');
  return `  service logs: ${dir} (${n} ${n === 1 ? 'warning or error' : 'warnings or errors'})${what}`;
}

function parseLogLine(line: string): { level: number; msg: string } {
  try {
    return JSON.parse(line) as { level: number; msg: string };
  } catch {
    return { level: 40, msg: line };
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
