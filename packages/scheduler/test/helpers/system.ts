import type { JobEvent__Output } from '@nightshift/proto';
import { startScheduler, schedulerConfig, JobClient, type Clock, type RunningScheduler } from '../../src/index.js';
import { startWorkerProcess, type ServiceProcess } from './processes.js';
import { dropPrefix, REDIS_URL, testPrefix } from './redis.js';

export interface TestSystem {
  prefix: string;
  scheduler: RunningScheduler;
  workers: ServiceProcess[];
  client(tenant?: string): JobClient;
  /** A second scheduler on this system's prefix, with a worker of its own: a replica. Stopped with the system. */
  addReplica(config?: Record<string, unknown>): Promise<RunningScheduler>;
  stop(): Promise<void>;
}

/**
 * A whole nightshift on loopback: real worker processes, an in-process
 * scheduler, the real Redis under a prefix of its own; stop() removes it all.
 */
export async function startSystem(
  name: string,
  opts: {
    workers?: number;
    workerEnv?: Record<string, string>;
    /** Each worker's arguments (or the i-th's, from 0). */
    workerArgs?: string[] | ((i: number) => string[]);
    /** Merged into each worker's entry in the scheduler's configuration (maxPaddedTokens, pool…), or into the i-th's. */
    workerEntry?: Record<string, unknown> | ((i: number) => Record<string, unknown>);
    config?: Record<string, unknown>;
    clock?: Clock;
  } = {},
): Promise<TestSystem> {
  const prefix = testPrefix(name);
  const workers = await Promise.all(
    Array.from({ length: opts.workers ?? 2 }, (_, i) =>
      startWorkerProcess(`w${i + 1}`, opts.workerEnv, typeof opts.workerArgs === 'function' ? opts.workerArgs(i) : opts.workerArgs),
    ),
  );
  const scheduler = await startScheduler(
    schedulerConfig({
      listen: '127.0.0.1:0',
      redisUrl: REDIS_URL,
      prefix,
      logLevel: process.env.NIGHTSHIFT_TEST_LOGS ? 'debug' : 'warn',
      workers: workers.map((w, i) => ({
        id: `w${i + 1}`,
        address: w.ready.address,
        ...(typeof opts.workerEntry === 'function' ? opts.workerEntry(i) : opts.workerEntry),
      })),
      ...opts.config,
    }),
    undefined,
    { clock: opts.clock },
  );
  const clients: JobClient[] = [];
  const replicas: Array<{ stop(): Promise<unknown> }> = [];
  return {
    prefix,
    scheduler,
    workers,
    client: (tenant = 'acme') => {
      const c = new JobClient(scheduler.address, tenant);
      clients.push(c);
      return c;
    },
    addReplica: async (config = {}) => {
      const worker = await startWorkerProcess(`r${replicas.length + 1}`, opts.workerEnv);
      replicas.push(worker);
      const replica = await startScheduler(
        schedulerConfig({ listen: '127.0.0.1:0', redisUrl: REDIS_URL, prefix, logLevel: 'warn', ...config, workers: [{ id: `r${replicas.length}`, address: worker.ready.address }] }),
      );
      // Schedulers stop before the workers they send to.
      replicas.unshift(replica);
      return replica;
    },
    stop: async () => {
      for (const c of clients) c.close();
      for (const r of replicas) await r.stop();
      await scheduler.stop();
      await Promise.all(workers.map((w) => w.stop()));
      await dropPrefix(prefix);
    },
  };
}

/** Every event of the given jobs until each is final (the server then ends the watch); a watch per 1,000 ids, the API's limit. */
export async function watchUntilFinal(client: JobClient, ids: string[], timeoutMs = 120_000): Promise<Map<string, JobEvent__Output[]>> {
  const events = new Map<string, JobEvent__Output[]>(ids.map((id) => [id, []]));
  const streams = Array.from({ length: Math.ceil(ids.length / 1000) }, (_, i) => client.watchJobs(ids.slice(i * 1000, (i + 1) * 1000)));
  const timer = setTimeout(() => streams.forEach((s) => s.cancel()), timeoutMs);
  try {
    await Promise.all(streams.map(async (stream) => {
      for await (const e of stream) events.get(e.jobId)!.push(e);
    }));
  } finally {
    clearTimeout(timer);
  }
  return events;
}

/** Records every event of the client's tenant made after it resolves (the watch is subscribed by then). */
export async function recordTenant(client: JobClient): Promise<{ events: JobEvent__Output[]; stop(): void }> {
  const events: JobEvent__Output[] = [];
  const watch = client.watchJobs([]);
  watch.on('data', (e: JobEvent__Output) => events.push(e));
  watch.on('error', () => undefined);
  await JobClient.subscribed(watch);
  return { events, stop: () => watch.cancel() };
}
