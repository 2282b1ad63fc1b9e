import { Redis } from 'ioredis';
import { createLogger, loadNightshift, serve, type Logger } from '@nightshift/proto';
import { bucketPlan, type SchedulerConfig } from './config/scheduler-config.js';
import { JobStore } from './jobs/index.js';
import { QueueSet } from './queueing/index.js';
import { Admission, Tokenizer } from './admission/index.js';
import { EventHub } from './events/index.js';
import { Dispatcher } from './dispatch/index.js';
import { BacklogEstimate, CostModels, Quoter } from './pricing/index.js';
import { JobService } from './api/index.js';

export interface RunningScheduler {
  /** host:port of the JobService. */
  address: string;
  /** Stop admitting, let batches out come back (up to drainSeconds), close everything. */
  stop(): Promise<void>;
}

/** Wires the scheduler's parts together and starts serving. */
export async function startScheduler(config: SchedulerConfig, log: Logger = createLogger('scheduler', config.logLevel)): Promise<RunningScheduler> {
  // The API's connection fails fast when Redis is away (UNAVAILABLE to the caller);
  // BullMQ's workers need one that waits (maxRetriesPerRequest: null).
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  const bullRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  // Cost model updates WATCH their key: a connection of their own.
  const costRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  for (const r of [redis, bullRedis, costRedis]) r.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  await Promise.all([redis.connect(), bullRedis.connect(), costRedis.connect()]);

  const store = new JobStore(redis, config.prefix, { retentionSeconds: config.jobs.retentionSeconds, eventsMaxLen: 100_000 });
  const queues = new QueueSet(redis, config.prefix, config.batching.agingMsPerPriority);
  const tokenizer = new Tokenizer(config.tokenizerThreads);
  const models = new CostModels(costRedis, config.prefix, config.pricing, log);
  const classes = [...new Set(config.workers.length ? config.workers.map((w) => w.workerClass) : Object.keys(config.pricing.classes))];
  const backlog = new BacklogEstimate(redis, queues.keys, models, config.batching, () => ({ workerClass: classes[0]!, workers: config.workers.length }));
  const quoter = new Quoter(models, config.pricing, config.batching, () => classes, (op) => backlog.seconds(op));
  const admission = new Admission(store, queues, tokenizer, config.jobs, bucketPlan(config), quoter);
  const events = new EventHub(redis, store.keys, log);
  const dispatcher = new Dispatcher(bullRedis, queues, store, models, config, log);
  queues.onQueue((q) => dispatcher.wake(q));
  const api = new JobService({ store, admission, events, queues, maxTextBytes: config.jobs.maxTextBytes, log });

  const { grpcObject } = loadNightshift();
  const serving = await serve(
    config.listen,
    (server) => {
      server.addService(grpcObject.nightshift.v1.JobService.service, api.handlers());
      return ['nightshift.v1.JobService'];
    },
    undefined,
    { 'grpc.max_receive_message_length': config.jobs.maxTextBytes + 1024 * 1024 },
  );
  await dispatcher.start();
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const address = `${host}:${serving.port}`;
  log.info({ address, workers: config.workers.length, prefix: config.prefix }, 'scheduler serving');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Admit nothing new; let the batches out come back and settle; then close.
      const closing = serving.shutdown(config.drainSeconds * 1000);
      events.close();
      await dispatcher.stop(config.drainSeconds * 1000);
      await closing;
      await Promise.all([queues.close(), tokenizer.close()]);
      await Promise.all([redis.quit(), bullRedis.quit(), costRedis.quit()]);
      log.info('scheduler stopped');
    })());
  return { address, stop };
}
