import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import type { BatchInput, BatchOutput, JobOutput, KernelBackend } from './kernel-backend.js';
import { splitByCost } from './split-batch.js';
import type { ThreadResult, ThreadTask } from './ts-kernel-thread.js';

// The thread module sits next to this one, as .ts under tsx and .js once built.
const threadFile = new URL(`./ts-kernel-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * The pure-TypeScript kernels, run on a pool of worker threads so that a
 * batch never blocks the event loop, and split across threads by job.
 */
export class TsBackend implements KernelBackend {
  readonly name = 'ts';
  private readonly pool: Piscina;

  readonly kernelThreads: number;

  constructor(private readonly threads: number) {
    this.kernelThreads = threads;
    this.pool = new Piscina({ filename: threadFile, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  }

  async run(batch: BatchInput): Promise<BatchOutput> {
    const t0 = performance.now();
    const n = batch.offsets.length - 1;
    const jobs: JobOutput[] = new Array(n);
    const jobSeconds = new Array<number>(n).fill(0);
    if (n > 0) {
      const groups = splitByCost(batch.spec.op, batch.offsets, this.threads);
      const results = await Promise.all(
        groups.map((g) => this.pool.run({ spec: batch.spec, tokens: batch.tokens, offsets: batch.offsets, jobs: g } satisfies ThreadTask) as Promise<ThreadResult>),
      );
      for (const r of results) {
        r.jobs.forEach((j, k) => {
          const value = r.values[k];
          jobs[j] = value ? { ok: true, value } : { ok: false, error: r.errors[k] ?? 'kernel returned nothing' };
          jobSeconds[j] = r.seconds[k] ?? 0;
        });
      }
    }
    return { jobs, jobSeconds, seconds: (performance.now() - t0) / 1000 };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
