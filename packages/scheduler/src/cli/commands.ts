import { MultiBar, SingleBar, Presets } from 'cli-progress';
import { type Job__Output, type JobEvent__Output, type JobSpec, type SubmitStreamRequest } from '@nightshift/proto';
import { readRequests } from './read-requests.js';
import { iso, state, usd } from './format.js';
import { batchCommand } from './batch-commands.js';
import type { Context } from './context.js';
import { runPipeline, schedulePipeline } from '../pipeline/index.js';

export const usage = `usage: nightshift [--scheduler host:port] [--tenant T] [--api-key K] [--ca FILE] [--json] <command>

  submit FILE…        submit JSONL requests (custom_id, op, params, text|tokens…) or text files (with --op);
                      [--deadline ISO] [--completion-window 24h] [--priority N]
  status JOB_ID       a job as it stands
  watch [JOB_ID…]     its state changes (all the tenant's jobs without ids) until final;
                      [--state S]… only the changes into S
  cancel JOB_ID       cancel a deferred, queued or running job
  list [--state S]…   the tenant's jobs, oldest first (states: queued, running, succeeded, failed, cancelled, deferred)
  quote --op OP (--text T | FILE)   what a job would cost in each window
  usage               spend, reservations and budget, this period and the last
  pipeline run SOURCE --op minhash|embed --out DIR [--threshold 0.8] [--completion-window 24h]
                      a folder (a document a file) or JSONL ({custom_id, text}) through the whole system as one batch:
                      DIR/results.jsonl in input order, DIR/clusters.jsonl (minhash), DIR/report.json
  pipeline schedule SOURCE --cron "0 22 * * *" --op … --out DIR
                      the same on a schedule (UTC), never two runs at once, each in DIR/<start time>

  batch create FILE.jsonl [--op OP] [--params JSON] [--key KEY] [--window 24h] [--deadline ISO]
                      [--max-cost USD] [--priority N] [--label k=v]… [--skip-bad] [--watch]
                      a file of requests (Batch API JSONL, or custom_id with text|tokens) as one batch,
                      streamed, resumable; a bad line stops admission unless --skip-bad
  batch get|cancel|watch ID       a batch; cancel it; follow it with a progress bar until final
  batch list [--state S]… [--limit N]
  batch results ID [--from N] [--out FILE]
                      JSONL in input order: {custom_id, index, result|error, cost}
                      (nightshift batch --help: the file shapes and every flag)

  keys new --tenant T [--role tenant|admin|worker] [--workers ID,PREFIX-*]
                      a new API key, and its line for the scheduler's auth.keys (only the hash is kept);
                      a worker key names the worker ids it may register
  cache purge --worker ID
                      (admin key) remove every cached result the worker computed

  plan --workload FILE [--on-demand 8..64] [--spot 0..32] [--deadlines 0.99] [--chart FILE.svg]
                      the fleet a described workload needs: each fleet's cost a day and a week, deadlines
                      met, interactive wait, the cheapest meeting the targets (no scheduler needed;
                      nightshift plan --help: every flag)

  NIGHTSHIFT_SCHEDULER, NIGHTSHIFT_TENANT, NIGHTSHIFT_API_KEY and NIGHTSHIFT_CA stand for --scheduler, --tenant,
  --api-key and --ca (the CA of the scheduler's TLS certificate; without it, plaintext).

  Exit status: 0 done; 1 failed (or some requests did); 2 bad usage; 3 the scheduler could not be reached.
`;

/** The exit status of a command that could not reach the scheduler (a retry may help, unlike 1's). */
export const EXIT_UNREACHABLE = 3;

function jobLine(j: Job__Output): string {
  const plan = j.state === 'JOB_STATE_DEFERRED' ? ` until ${iso(j.plannedStart)} in ${j.plannedWindow}` : '';
  const cost = j.cost > 0 ? ` cost ${usd(j.cost)}` : j.quote ? ` quoted ${usd(j.quote.price)}` : '';
  const err = j.error ? ` — ${j.error}` : '';
  return `${j.id}  ${state(j.state).padEnd(9)} ${j.op.padEnd(9)} ${String(j.tokenCount).padStart(7)} tok${cost}${plan}${j.clientRef ? `  [${j.clientRef}]` : ''}${err}`;
}

/** Each command returns the process's exit code: 0 done, 1 failed (or some requests did). */
export const commands: Record<string, (c: Context) => Promise<number>> = {
  async submit(c) {
    if (c.args.length === 0) throw new Error('submit: name at least one file');
    let lines = 0;
    let admitted = 0;
    const refused = new Map<string, number>();
    const pending = new Map<string, { where: string; customId: string }>();
    const bar = !c.json && process.stderr.isTTY ? new SingleBar({ format: 'submitting {bar} {value} jobs | {refused} refused', hideCursor: true }, Presets.shades_classic) : undefined;
    bar?.start(0, 0, { refused: 0 });
    const problem = (where: string, message: string, customId = '') => {
      refused.set(message.split(':')[0]!, (refused.get(message.split(':')[0]!) ?? 0) + 1);
      if (c.json) c.out(JSON.stringify({ where, custom_id: customId, error: message }));
      else c.err(`${where}: ${message}`);
    };
    let id = 0;
    const requests = async function* (): AsyncGenerator<SubmitStreamRequest> {
      for (const file of c.args) {
        for await (const r of readRequests(file, { op: c.op, extra: c.extra })) {
          lines++;
          if ('error' in r) {
            problem(r.where, r.error);
            continue;
          }
          const requestId = String(id++);
          pending.set(requestId, { where: r.where, customId: r.customId });
          yield { requestId, job: r.job };
        }
      }
    };
    await c.client.submitMany(requests(), (reply) => {
      const from = pending.get(reply.requestId)!;
      pending.delete(reply.requestId);
      if (reply.job) {
        admitted++;
        if (c.json) c.out(JSON.stringify({ where: from.where, custom_id: from.customId, job_id: reply.job.id, state: state(reply.job.state) }));
      } else {
        problem(from.where, reply.error?.message ?? 'refused', from.customId);
      }
      bar?.setTotal(lines);
      bar?.update(admitted, { refused: [...refused.values()].reduce((a, b) => a + b, 0) });
    });
    bar?.stop();
    const failed = [...refused.values()].reduce((a, b) => a + b, 0);
    if (!c.json) {
      const why = [...refused.entries()].map(([k, n]) => `${n} × ${k}`).join(', ');
      c.err(`submitted ${admitted} of ${admitted + failed} requests${failed ? `; ${failed} not submitted (${why})` : ''}`);
    }
    return failed ? 1 : 0;
  },

  async status(c) {
    const [id] = c.args;
    if (!id) throw new Error('status: give a job id');
    const j = await c.client.getJob(id, true);
    c.out(c.json ? JSON.stringify(j) : jobLine(j));
    return 0;
  },

  async watch(c) {
    const stream = c.client.watchJobs(c.args, c.states.map((s) => `JOB_STATE_${s.toUpperCase()}` as never));
    for await (const e of stream as AsyncIterable<JobEvent__Output>) {
      c.out(c.json ? JSON.stringify(e) : `${iso(e.at)}  ${e.jobId}  ${state(e.state)}${e.workerId ? ` on ${e.workerId}` : ''}${e.error ? ` — ${e.error}` : ''}`);
    }
    return 0;
  },

  async cancel(c) {
    const [id] = c.args;
    if (!id) throw new Error('cancel: give a job id');
    const j = await c.client.cancelJob(id);
    c.out(c.json ? JSON.stringify(j) : jobLine(j));
    return 0;
  },

  async list(c) {
    const states = c.states.map((s) => `JOB_STATE_${s.toUpperCase()}`);
    const jobs = await c.client.listAllJobs(states as never);
    for (const j of jobs) c.out(c.json ? JSON.stringify(j) : jobLine(j));
    return 0;
  },

  async quote(c) {
    if (!c.op) throw new Error('quote: --op is required');
    const job: JobSpec = c.text !== undefined ? { op: c.op, text: c.text } : { op: c.op, text: await readText(c.args[0]) };
    const q = await c.client.quote(job);
    if (c.json) c.out(JSON.stringify(q));
    else {
      c.out(`${q.tokenCount} tokens, bucket ${q.bucket}`);
      for (const w of q.windows) c.out(`  ${w.window.padEnd(12)} ${w.workerClass.padEnd(8)} ${usd(w.price).padStart(10)}  ${w.predictedSeconds.toPrecision(3)} s, done by ${iso(w.finishAt)}`);
    }
    return 0;
  },

  async pipeline(c) {
    const [verb, source] = c.args;
    if ((verb !== 'run' && verb !== 'schedule') || !source) throw new Error('pipeline: run|schedule SOURCE --op minhash|embed --out DIR');
    if (c.op !== 'minhash' && c.op !== 'embed') throw new Error(`pipeline ${verb}: --op must be minhash or embed`);
    if (!c.outDir) throw new Error(`pipeline ${verb}: --out DIR is required`);
    if (verb === 'schedule') {
      if (!c.cron) throw new Error('pipeline schedule: --cron is required');
      const op = c.op;
      const log = { info: (o: object, m: string) => c.err(`${m} ${JSON.stringify(o)}`), warn: (o: object, m: string) => c.err(`${m} ${JSON.stringify(o)}`) };
      const s = schedulePipeline(c.cron, c.outDir, async (dir) => {
        const report = await runPipeline(c.batches, { source, op, out: dir, threshold: c.threshold, extra: c.extra });
        c.out(JSON.stringify({ dir, ...report }));
      }, log as never);
      c.err(`pipeline scheduled: ${c.cron} (UTC); runs under ${c.outDir}; stop with Ctrl-C or SIGTERM`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await s.stop();
      return 0;
    }
    const bars = !c.json && process.stderr.isTTY ? new MultiBar({ format: '{phase} {bar} {value}/{total}', hideCursor: true }, Presets.shades_classic) : undefined;
    const bar: Partial<Record<'submit' | 'run', SingleBar>> = {};
    const said = { submit: 0, run: 0 };
    let allSubmitted = false;
    const report = await runPipeline(c.batches, {
      source, op: c.op, out: c.outDir, threshold: c.threshold, extra: c.extra,
      progress: (p, done, total) => {
        if (p === 'submit' && done === total) allSubmitted = true;
        if (bars) {
          // Jobs are followed as they are admitted: the total to run grows until all are.
          const b = (bar[p] ??= bars.create(total, 0, { phase: p === 'submit' ? 'submitting' : 'running   ' }));
          b.setTotal(total);
          b.update(done);
          return;
        }
        // Without a terminal: a line at each tenth (of the final total), for logs.
        const tenth = Math.floor((10 * done) / total);
        if (c.json || (p === 'run' && !allSubmitted) || tenth <= said[p]) return;
        said[p] = tenth;
        c.err(`${p === 'submit' ? 'submitted' : 'finished'} ${done}/${total}`);
      },
    });
    bars?.stop();
    if (c.json) c.out(JSON.stringify(report));
    else {
      for (const s of report.skipped) c.err(`skipped ${s}`);
      c.out(`batch ${report.batchId}: ${report.documents} documents, ${report.tokens} tokens, ${report.units} units, padding efficiency ${report.paddingEfficiency.toFixed(3)}, ${report.seconds.toFixed(1)} s (${report.documentsPerSecond.toFixed(0)} documents/s)`);
      c.out(`reused: ${report.resumed} from an earlier run of this pipeline, ${report.cached} from the result cache, ${report.repeated} repeats within the corpus`);
      c.out(`cost ${usd(report.cost)} against a quote of ${usd(report.quoted)} (${report.window})`);
      if (report.duplicateClusters !== undefined) c.out(`near-duplicates at Jaccard ≥ ${c.threshold}: ${report.duplicatePairs} pairs in ${report.duplicateClusters} clusters`);
      c.out(`results in ${c.outDir}`);
    }
    return report.failed || report.skipped.length ? 1 : 0;
  },

  async cache(c) {
    if (c.args[0] !== 'purge' || !c.worker) throw new Error('cache: only "cache purge --worker ID" exists');
    const { removed } = await c.client.purgeCache(c.worker);
    c.out(c.json ? JSON.stringify({ worker: c.worker, removed: Number(removed) }) : `removed ${removed} cached results computed by ${c.worker}`);
    return 0;
  },

  batch: batchCommand,

  async usage(c) {
    const u = await c.client.getUsage();
    if (c.json) c.out(JSON.stringify(u));
    else {
      for (const [name, p] of [['current', u.current], ['previous', u.previous]] as const) {
        if (!p) continue;
        const budget = p.budget > 0 ? ` of ${usd(p.budget)}` : ' (no budget)';
        c.out(`${name.padEnd(8)} ${p.period.padEnd(13)} spent ${usd(p.spent)}${budget}, reserved ${usd(p.reserved)}, ${p.jobs} jobs, ${p.tokens} tokens`);
      }
    }
    return 0;
  },
};

async function readText(file: string | undefined): Promise<string> {
  if (!file) throw new Error('quote: give --text or a file');
  const { readFile } = await import('node:fs/promises');
  return readFile(file, 'utf8');
}
