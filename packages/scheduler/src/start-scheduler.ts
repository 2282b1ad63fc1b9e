import { availableParallelism } from 'node:os';
import type { Redis, RedisOptions } from 'ioredis';
import { connectRedis } from './redis/index.js';
import { Registry } from 'prom-client';
import { countGrpcRequests, createLogger, throttled, listenHttp, loadNightshift, metricsRoute, serve, serverCredentials, tolerantDecoding, type Logger, type Route } from '@nightshift/proto';
import { bucketPlan, type SchedulerConfig } from './config/scheduler-config.js';
import { JobStore, Keys } from './jobs/index.js';
import { Alerts, Guardrails } from './guardrails/index.js';
import { systemClock, type Clock } from './clock/index.js';
import { QueueSet } from './queueing/index.js';
import { Tokenizer } from '@nightshift/tokenizer';
import { Admission, UnqueuedJournal } from './admission/index.js';
import { FairShare, FairTree, FairUsage, tenantShares } from './fairness/index.js';
import { EventHub } from './events/index.js';
import { Dispatcher } from './dispatch/index.js';
import { BacklogEstimate, Billing, CostModels, Quoter } from './pricing/index.js';
import { afterHandBack, Calendar, DeferredLoad, DeferredWork, WindowEvents, type SpotJob } from './windows/index.js';
import { JobService } from './api/index.js';
import { RegistryService, WorkerRegistry } from './registry/index.js';
import { FlowMetrics, registerSystemGauges, schedulerSources, SystemView, TenantLabels, type BatchObjectStatus } from './metrics/index.js';
import { DashboardAuth, dashboardRoutes, DashboardSessions, FailedLogins } from './dashboard/index.js';
import { ResultCache } from './cache/index.js';
import { ApiKeys } from './auth/index.js';
import { batchEta, BatchAdmission, BatchKeys, BatchLedger, BatchPlanner, BatchResultsReader, BatchStore, BatchSweeper, ItemStore, UnitQueue } from './batch-objects/index.js';
import { BatchService } from './api/batch-service.js';
import { LockKeeper, UnitPuller } from './dispatch/index.js';

export interface RunningScheduler {
  /** host:port of the JobService. */
  address: string;
  /** host:port of GET /metrics and the dashboard, when metricsListen is set. */
  metricsAddress?: string;
  /** The workers dispatch knows now, with their load. */
  fleet(): ReturnType<Dispatcher['pool']['fleet']>;
  /** Release what is due and handle closed windows now (tests call it after moving a ManualClock). */
  tickWindows(): Promise<void>;
  /** Stop admitting, let batches out come back (up to drainSeconds), close everything. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  /** The time budget periods and capacity windows are read from; tests move it. */
  clock?: Clock;
}

/** Wires the scheduler's parts together and starts serving. */
export async function startScheduler(
  config: SchedulerConfig,
  log: Logger = createLogger('scheduler', config.logLevel),
  opts: SchedulerOptions = {},
): Promise<RunningScheduler> {
  const clock = opts.clock ?? systemClock;
  // The API's connection fails fast when Redis is away (UNAVAILABLE to the caller);
  // BullMQ's workers need one that waits (maxRetriesPerRequest: null).
  const connect = (options: RedisOptions) => connectRedis(config.redisUrl, config.redisCluster, options);
  const redis = connect({ maxRetriesPerRequest: 2, lazyConnect: true });
  const bullRedis = connect({ maxRetriesPerRequest: null, lazyConnect: true });
  // Cost model updates WATCH their key: a connection of their own.
  const costRedis = connect({ maxRetriesPerRequest: null, lazyConnect: true });
  for (const r of [redis, bullRedis, costRedis]) r.on('error', (err) => throttled(log, 'warn', 'redis connection error', { err: err.message }));
  await Promise.all([redis.connect(), bullRedis.connect(), costRedis.connect()]);

  const keys = new Keys(config.prefix);
  // Each scheduler has a registry of its own, so several may run in one process (tests).
  const promRegistry = new Registry();
  // Tenants named in auth.keys are labelled first; invented names past the cap share one label.
  const flow = new FlowMetrics(promRegistry, new TenantLabels(config.metricsMaxTenants, config.auth.keys.filter((k) => k.role === 'tenant').map((k) => k.tenant)));
  const alerts = new Alerts(log, config.limits.alerts.webhookUrl);
  const guardrails = new Guardrails(config, redis, keys, clock, alerts);
  const store = new JobStore(redis, config.prefix, {
    retentionSeconds: config.jobs.retentionSeconds,
    eventsMaxLen: 100_000,
    periodOf: (tenant) => guardrails.period(tenant).id,
  });
  const queues = new QueueSet(redis, config.prefix, config.batching.agingMsPerPriority, bullRedis, config.fairShare.enabled);
  const tokenizer = new Tokenizer({ threads: config.tokenizerThreads || availableParallelism(), perOwner: config.tokenizerQueuePerTenant });
  const models = new CostModels(costRedis, config.prefix, config.pricing, log, (op, workerClass, state) =>
    void guardrails.checkModel(op, workerClass, state).catch((err: unknown) => log.warn({ err }, 'model alert check failed')),
  );
  const classes = [...new Set(config.workers.length ? config.workers.map((w) => w.workerClass) : Object.keys(config.pricing.classes))];
  const backlog = new BacklogEstimate(redis, queues.keys, models, config.batching, () => ({ workerClass: classes[0]!, workers: config.workers.length }));
  const calendar = new Calendar(config.calendar);
  const quoter = new Quoter(models, config.pricing, config.batching, () => classes, (op) => backlog.seconds(op), calendar, clock);
  const load = new DeferredLoad(redis, `${config.prefix}:deferred:load`, (window) => windowWorkers(config, window));
  const spotPolicy = { maxPreemptions: config.deferral.maxPreemptions, marginMs: config.deferral.marginMinutes * 60_000 };
  const spotOpen = (now = clock.now()) => calendar.openAt(now).some((o) => o.spot);
  const spot = { open: () => spotOpen(), after: (job: SpotJob) => afterHandBack(job, spotOpen(), clock.now(), spotPolicy) };
  let dispatcher: Dispatcher | undefined;
  const deferred = new DeferredWork(redis, queues, store, load, { policy: spotPolicy, open: spotOpen }, () => dispatcher?.pool.wake(), (queue, tenant) => flow.job(tenant, queue, 'QUEUED'));
  const windowEvents = new WindowEvents(calendar, clock, deferred, log);
  const cache = new ResultCache(redis, config.prefix, config.cache, new BatchKeys(config.prefix).resultsKeyCodec);
  const journal = new UnqueuedJournal(redis, config.prefix, store, queues, log);
  const admission = new Admission(
    store, queues, tokenizer, config.jobs, bucketPlan(config), quoter, guardrails, cache, journal,
    { read: () => ({ ...backlog.queued(), limit: config.limits.maxQueuedJobs }), recount: () => backlog.refresh() },
    { policy: { heavyPrice: config.deferral.heavyPrice, marginMs: config.deferral.marginMinutes * 60_000 }, load, clock, deferredUntil: (at) => windowEvents.dueAt(at) },
  );
  const events = new EventHub(redis, store.keys, log);
  const registry = new WorkerRegistry(redis, config.prefix, config.registry.leaseSeconds);
  // A dead replica's work out lapses once no batch of it can be out any more (past its timeout).
  const fairUsage = new FairUsage(redis, config.prefix, config.fairShare.halfLifeSeconds, config.dispatch.batchTimeoutMs + 10_000);
  const tree = new FairTree(config.fairShare);
  const shares = async () => tenantShares((await fairUsage.read()).usage, tree);
  const usage = new FairShare(fairUsage, tree, (err) => throttled(log, 'warn', 'fair-share usage not recorded', { err }));
  dispatcher = new Dispatcher(bullRedis, queues, store, models, config, log, new Billing(config.pricing, calendar, clock), spot, registry, cache, usage, (used) => {
    for (const t of used.keys()) void guardrails.checkBudget(t).catch((err: unknown) => log.warn({ err, tenant: t }, 'budget alert check failed'));
  }, flow);
  queues.onQueue((q) => dispatcher.wake(q));
  const batches = wireBatches(config, { redis, bullRedis, keys, guardrails, models, calendar, load, clock, tokenizer, dispatcher, cache, log, usage });
  const auth = new ApiKeys(config.auth.keys);
  if (!auth.enabled) log.warn('authentication is off (auth.keys is empty): the x-nightshift-tenant header alone says who calls, and the dashboard is open');
  const api = new JobService({ store, admission, events, queues, guardrails, deferred, cache, maxTextBytes: config.jobs.maxTextBytes, streams: config.streams, auth, fleet: () => dispatcher.pool.fleet(), shares, log, metrics: flow });

  const { grpcObject } = loadNightshift();
  const serving = await serve(
    config.listen,
    (server) => {
      server.addService(tolerantDecoding(grpcObject.nightshift.v1.JobService.service), api.handlers());
      server.addService(tolerantDecoding(grpcObject.nightshift.v1.RegistryService.service), new RegistryService(registry, config.registry.heartbeatSeconds, auth, log).handlers());
      server.addService(tolerantDecoding(grpcObject.nightshift.v1.BatchService.service), new BatchService({ ...batches.service, auth, streams: config.streams, log }).handlers());
      return ['nightshift.v1.JobService', 'nightshift.v1.RegistryService', 'nightshift.v1.BatchService'];
    },
    serverCredentials(config.tls),
    { 'grpc.max_receive_message_length': config.jobs.maxTextBytes + 1024 * 1024, interceptors: [countGrpcRequests(promRegistry)] },
    { limits: config.connections, log },
  );
  await dispatcher.start();
  for (const p of batches.pullers) await p.start();
  batches.sweeper.start();
  journal.start();
  const view = new SystemView(
    schedulerSources({ backlog, store, guardrails, queues, load, calendar, models, alerts, flow, workers: () => dispatcher.pool.status(), batchObjects: () => batches.status(), shares }),
    log,
  );
  registerSystemGauges(promRegistry, view, flow.tenants);
  const http = config.metricsListen
    ? await listenHttp(config.metricsListen, { '/metrics': metricsRoute(promRegistry), ...dashboard(config, view, auth, redis, log) }, log, { tls: config.metricsTls, limits: config.connections })
    : undefined;
  const metricsAddress = http?.address;
  // Reconciles first: jobs whose window opened while no scheduler ran are queued now.
  await windowEvents.start();
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const address = `${host}:${serving.port}`;
  log.info({ address, metrics: metricsAddress, workers: config.workers.length, prefix: config.prefix, tokenizer: tokenizer.backend }, 'scheduler serving');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Admit nothing new; let the batches out come back and settle; then close.
      const closing = serving.shutdown(config.drainSeconds * 1000);
      events.close();
      journal.stop();
      await windowEvents.stop();
      await http?.close();
      await batches.sweeper.stop();
      await Promise.all([dispatcher.stop(config.drainSeconds * 1000), ...batches.pullers.map((p) => p.stop(config.drainSeconds * 1000))]);
      batches.locks.stop();
      await closing;
      await Promise.all([queues.close(), batches.units.close(), tokenizer.close(), alerts.flush()]);
      await Promise.all([redis.quit(), bullRedis.quit(), costRedis.quit()]);
      log.info('scheduler stopped');
    })());
  return { address, ...(metricsAddress ? { metricsAddress } : {}), stop, tickWindows: () => windowEvents.tick(), fleet: () => dispatcher.pool.fleet() };
}

/** Workers that serve a window at once: its own figure, else the configured workers of its pool. */
function windowWorkers(config: SchedulerConfig, window: string): number {
  const w = config.calendar.find((c) => c.name === window);
  if (!w) return 0;
  return w.workers ?? config.workers.filter((x) => x.pool === (w.spot ? 'spot' : 'on-demand')).length;
}

/** Batch objects' parts: their store, admission, unit queue and puller (sharing the dispatcher's workers), and sweeper. */
function wireBatches(
  config: SchedulerConfig,
  d: {
    redis: Redis; bullRedis: Redis; keys: Keys; guardrails: Guardrails; models: CostModels; calendar: Calendar; load: DeferredLoad; clock: Clock;
    tokenizer: Tokenizer; dispatcher: Dispatcher; cache: ResultCache; log: Logger;
    /** Each tenant's use of the fleet, which units add to (and, under fair sharing, are dispatched by). */
    usage: FairShare;
  },
) {
  const c = config.batches;
  const batchKeys = new BatchKeys(config.prefix);
  const store = new BatchStore(d.redis, batchKeys);
  const ledger = new BatchLedger(d.redis, d.keys, batchKeys, config.jobs.retentionSeconds);
  const units = new UnitQueue(d.bullRedis, config.prefix, store, {
    ahead: c.unitsAhead, backoffMs: config.jobs.backoffMs, ...(config.fairShare.enabled ? { fair: d.usage } : {}),
  });
  const classes = () => [...new Set(config.workers.length ? config.workers.map((w) => w.workerClass) : Object.keys(config.pricing.classes))];
  const planner = new BatchPlanner(d.redis, batchKeys, d.models, classes);
  const pool = d.dispatcher.pool;
  const admission = new BatchAdmission({
    store, planner, ledger, units, guardrails: d.guardrails, models: d.models, prices: config.pricing, calendar: d.calendar, load: d.load, clock: d.clock, log: d.log,
    policy: { heavyPrice: config.deferral.heavyPrice, marginMs: config.deferral.marginMinutes * 60_000 },
    workers: (window) => (window === 'on-demand' ? Math.max(1, pool.fleet().filter((w) => w.pool === 'on-demand').length) : d.load.workers(window)),
  });
  const locks = new LockKeeper(config.dispatch.lockMs, d.log);
  // One puller a pool: units of batches placed in a spot window go to spot workers, while one is open.
  const pullers = (['on-demand', 'spot'] as const).map((p) => new UnitPuller(d.bullRedis, store, ledger, units, d.models, pool, locks, d.cache, {
    pool: p, maxPreemptions: config.deferral.maxPreemptions, backoffMs: config.jobs.backoffMs,
    prefix: config.prefix, lockMs: config.dispatch.lockMs, maxStalledCount: config.dispatch.maxStalledCount, batchTimeoutMs: config.dispatch.batchTimeoutMs,
    billing: new Billing(config.pricing, d.calendar, d.clock), periodOf: (tenant) => d.guardrails.period(tenant).id,
    onFinished: (b) => d.log.info({ batchId: b.id, tenant: b.tenant, items: b.items, succeeded: b.succeeded, failed: b.failed, cost: b.cost }, 'batch finished'),
    usage: d.usage, fairShare: config.fairShare.enabled,
  }, d.log));
  const spotOpen = () => d.calendar.openAt(d.clock.now()).some((o) => o.spot);
  const sweeper = new BatchSweeper(
    store, admission, units, d.clock, c.pollMs, { uploadIdleMs: c.uploadIdleSeconds * 1000, retentionMs: config.jobs.retentionSeconds * 1000 }, d.log,
    (tenant, id) => ledger.release(tenant, id), spotOpen,
  );
  const service = {
    items: new ItemStore(d.redis, config.prefix), planner, store, admission, cache: d.cache,
    planLimits: (op: string) => ({
      windowItems: c.planWindowItems,
      windowBytes: c.planWindowBytes,
      ...unitLimits(c, pool.budget('on-demand', op)),
    }), tokenizer: d.tokenizer, clock: d.clock, ledger, units, results: new BatchResultsReader(d.redis, batchKeys),
    limits: { maxItems: c.maxItems, maxTokensPerItem: config.jobs.maxTokensPerJob, touchEveryMs: Math.min(10_000, (c.uploadIdleSeconds * 1000) / 4) }, resultsPerMessage: c.resultsPerMessage, pollMs: c.pollMs,
  };
  /** The newest 100 active batch objects, for metrics and the dashboard. */
  const status = async (): Promise<BatchObjectStatus[]> => {
    const now = Date.now();
    const records = await Promise.all((await store.active(100)).map((id) => store.get(id)));
    return records.flatMap((b) =>
      b
        ? [{ id: b.id, tenant: b.tenant, op: b.spec.op, state: b.state, items: b.items, succeeded: b.succeeded, failed: b.failed, units: b.units, unitsDone: b.unitsDone, cost: b.cost, quote: b.quote?.price ?? 0, eta: batchEta(b, now) }]
        : [],
    );
  };
  return { service, pullers, sweeper, units, locks, status };
}

/** Kernel batch and unit limits: the configured ones, a unit within the smallest budget a worker of the op advertises. */
function unitLimits(c: SchedulerConfig['batches'], budget = Infinity) {
  const maxPaddedTokens = Math.min(c.unitMaxPaddedTokens, budget);
  return {
    batch: { maxItems: Math.min(c.batchMaxItems, c.unitMaxItems), maxPaddedTokens, unitCostTokens: c.batchCostTokens },
    unit: { maxItems: c.unitMaxItems, maxPaddedTokens },
  };
}

/** The dashboard's routes: sessions in Redis (shared by every replica), sign-ins guarded by origin and by failures per address. */
function dashboard(config: SchedulerConfig, view: SystemView, keys: ApiKeys, redis: Redis, log: Logger): Record<string, Route> {
  const d = config.dashboard;
  const sessions = new DashboardSessions(redis, config.prefix, d.sessionSeconds);
  return dashboardRoutes(view, new DashboardAuth(keys, sessions, d.sessionSeconds), {
    origins: { allowed: new Set(d.allowedOrigins), httpsByProxy: d.secureCookies },
    failedLogins: new FailedLogins(d.maxFailedLogins, d.failedLoginWindowSeconds * 1000),
    log,
  });
}
