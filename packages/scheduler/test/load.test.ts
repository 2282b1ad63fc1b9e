import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { packTokens } from '@nightshift/proto';
import { JobClient } from '../src/index.js';
import { startSchedulerProcess, startWorkerProcess } from '@nightshift/devtools';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';

// Load: 50 clients submitting as fast as they are let for LOAD_SECONDS (30 in CI, 60 under
// `pnpm test:soak`), against a queue limit low enough that backpressure (RESOURCE_EXHAUSTED with
// retry-after) is part of the run. Reports submit latency and the scheduler's memory.

const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const CLIENTS = 50;
const dir = mkdtempSync(join(tmpdir(), 'ns-load-'));
const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** Resident memory of a process, MB (Linux /proc). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

test(`${CLIENTS} clients submitting for ${SECONDS} s: no error but deliberate backpressure, and the scheduler's memory does not grow with completed jobs`, async () => {
  const prefix = testPrefix('load');
  stops.push(() => dropPrefix(prefix));
  const workers = [await startWorkerProcess('w1', {}, [], false), await startWorkerProcess('w2', {}, [], false)];
  for (const w of workers) stops.push(() => w.stop());
  const config = join(dir, 'scheduler.yaml');
  // A queue limit of 40 jobs, so that backpressure is likely part of the run.
  writeFileSync(config, 'limits:\n  maxQueuedJobs: 40\njobs:\n  retentionSeconds: 3600\n');
  const scheduler = await startSchedulerProcess(REDIS_URL, prefix, workers, { NIGHTSHIFT_CONFIG: config });
  stops.push(() => scheduler.stop());
  const pid = scheduler.child.pid!;

  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let refused = 0;
  let submitted = 0;
  let n = 0;
  const end = Date.now() + SECONDS * 1000;
  const samples: Array<{ at: number; rss: number; done: number }> = [];
  let done = 0;
  const watcher = new JobClient(scheduler.ready.address, 'load');
  stops.push(async () => watcher.close());
  const watch = watcher.watchJobs([]);
  watch.on('data', (e: { state: string }) => e.state === 'JOB_STATE_SUCCEEDED' && done++);
  watch.on('error', () => undefined);
  const sampler = setInterval(() => samples.push({ at: Date.now(), rss: rssMb(pid), done }), 500);

  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new JobClient(scheduler.ready.address, 'load');
      stops.push(async () => c.close());
      while (Date.now() < end) {
        const i = n++;
        const t0 = performance.now();
        try {
          await c.submit({ op: 'minhash', tokens: packTokens(Uint32Array.from({ length: 32 + (i % 200) }, (_, k) => (i * 104_729 + k) % 199_999)) });
          latencies.push(performance.now() - t0);
          submitted++;
        } catch (err) {
          const e = err as grpc.ServiceError;
          if (e.code === grpc.status.RESOURCE_EXHAUSTED) {
            // Deliberate backpressure: wait as told (capped, for a short test), then go on.
            refused++;
            const after = Number(e.metadata?.get('retry-after')[0] ?? 1);
            assert.ok(after >= 1, 'a refusal says when to come back');
            await new Promise((r) => setTimeout(r, Math.min(after * 1000, 250)));
          } else {
            const what = `${grpc.status[e.code] ?? e.code}: ${e.details ?? e.message}`;
            errors.set(what, (errors.get(what) ?? 0) + 1);
          }
        }
      }
    }),
  );
  // Let the backlog drain, still sampling memory.
  while (done < submitted && Date.now() < end + 120_000) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1000));
  clearInterval(sampler);
  watch.cancel();

  assert.deepEqual([...errors], [], 'no error other than RESOURCE_EXHAUSTED');
  assert.equal(done, submitted, 'every admitted job succeeded');
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  // Garbage collection makes RSS a sawtooth: compare the lowest of the last third with the highest of the first half.
  // A leak of even a few KB a completed job would lift the one above the other.
  const third = Math.floor(samples.length / 3);
  const early = samples.slice(0, Math.floor(samples.length / 2));
  const late = samples.slice(samples.length - third);
  const earlyPeak = Math.max(...early.map((x) => x.rss));
  const lateLow = Math.min(...late.map((x) => x.rss));
  const peak = Math.max(...samples.map((x) => x.rss));
  const last = samples.at(-1)!;
  if (process.env.LOAD_TRACE) process.stderr.write(`${samples.filter((_, i) => i % 4 === 0).map((x) => `${x.done}:${x.rss.toFixed(0)}`).join(' ')}\n`);
  process.stderr.write(
    `load: ${CLIENTS} clients, ${SECONDS} s: ${submitted} jobs admitted (${(submitted / SECONDS).toFixed(0)}/s), ${refused} refused with retry-after; ` +
      `submit latency p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; scheduler RSS: highest ${earlyPeak.toFixed(0)} MB in the first half ` +
      `(${early.at(-1)!.done} jobs done), lowest ${lateLow.toFixed(0)} MB in the last third (${last.done} done), peak ${peak.toFixed(0)} MB\n`,
  );
  // Whether the queue limit is reached depends on how fast the workers drain on this machine: the refusals are
  // reported, and each was checked above to say when to come back (test/guardrails.test.ts forces the limit).
  assert.ok(last.done >= 1.5 * Math.max(1, early.at(-1)!.done), 'many more jobs completed in the second half');
  // Nothing is kept per completed job in the scheduler: what it holds is bounded, whatever the count.
  assert.ok(lateLow - earlyPeak < 64, `RSS rose from ${earlyPeak.toFixed(0)} to ${lateLow.toFixed(0)} MB as jobs completed`);
});
