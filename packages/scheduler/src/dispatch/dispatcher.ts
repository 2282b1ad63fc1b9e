import type { Redis } from 'ioredis';
import { duplicateQuietly } from '../redis/index.js';
import { channelCredentials, type Logger } from '@nightshift/proto';
import type { JobStore } from '../jobs/index.js';
import type { QueueSet } from '../queueing/index.js';
import type { Billing, CostModels } from '../pricing/index.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import type { FairShare } from '../fairness/index.js';
import { LockKeeper } from './lock-keeper.js';
import { QueuePuller, type SpotHandling } from './queue-puller.js';
import type { KubernetesDiscovery, WorkerRegistry } from '../registry/index.js';
import type { FleetEntry } from './worker-pool.js';
import type { ResultCache } from '../cache/index.js';
import { WorkerPool } from './worker-pool.js';
import { NO_OBSERVER, type DispatchObserver } from './dispatch-observer.js';

/**
 * Moves jobs from every queue to the workers, a puller per (op, bucket) queue sharing one worker
 * pool. Pullers start for the queues that have held a job: those this process adds to (at once),
 * those any replica announces on the wake channel, and those listed in Redis (read every
 * discoverMs). A wake-up on the channel also ends an idle puller's sleep.
 */
export class Dispatcher {
  private readonly locks: LockKeeper;
  readonly pool: WorkerPool;
  private readonly pullers = new Map<string, QueuePuller>();
  private readonly opts;
  private timer: NodeJS.Timeout | undefined;
  private fleetTimer: NodeJS.Timeout | undefined;
  private discovery: KubernetesDiscovery | undefined;
  private subscriber: Redis | undefined;
  private stopped = false;

  constructor(
    private readonly connection: Redis,
    private readonly queues: QueueSet,
    private readonly store: JobStore,
    private readonly models: CostModels,
    private readonly config: SchedulerConfig,
    private readonly log: Logger,
    billing: Billing,
    /** Spot windows: whether one is open, and where a job a spot worker hands back goes. */
    spot: SpotHandling,
    /** The self-registered workers (with config.workers, the fleet). */
    private readonly registry: WorkerRegistry,
    /** Where computed results are kept by content. */
    cache: ResultCache,
    /** Each tenant's use of the fleet, charged as batches settle. */
    usage: FairShare,
    onSettled: (workerSeconds: Map<string, number>) => void = () => undefined,
    observer: DispatchObserver = NO_OBSERVER,
  ) {
    this.locks = new LockKeeper(config.dispatch.lockMs, log);
    this.pool = new WorkerPool(config.workers, config.dispatch.workerBackoffMs, log, () => spot.open(), channelCredentials(config.workerTls), config.dispatchSecret);
    this.opts = {
      prefix: config.prefix,
      lockMs: config.dispatch.lockMs,
      maxStalledCount: config.dispatch.maxStalledCount,
      batchTimeoutMs: config.dispatch.batchTimeoutMs,
      backoffMs: config.jobs.backoffMs,
      idlePollMs: config.dispatch.idlePollMs,
      limits: config.batching,
      billing,
      spot,
      cache,
      onSettled,
      observer,
      usage,
      fairShare: config.fairShare.enabled,
    };
    if (config.fairShare.enabled) this.pool.shareBy({ rank: (tenant) => usage.rank(tenant), maxShare: (tenant) => usage.maxShare(tenant) });
  }

  async start(): Promise<void> {
    const k8s = this.config.registry.kubernetes;
    if (k8s.enabled) {
      // Loaded only here: a scheduler that does not watch pods never holds the Kubernetes client.
      const { KubernetesDiscovery } = await import('../registry/kubernetes-discovery.js');
      this.discovery = new KubernetesDiscovery(k8s, this.log, () => void this.syncFleet().catch(() => undefined));
      await this.discovery.start();
    }
    await this.syncFleet();
    this.fleetTimer = setInterval(() => void this.syncFleet().catch((err: unknown) => this.log.warn({ err }, 'fleet sync failed')), this.config.registry.syncMs);
    this.fleetTimer.unref();
    this.subscriber = duplicateQuietly(this.connection);
    this.subscriber.on('message', (_channel: string, queue: string) => this.wake(queue));
    await this.subscriber.subscribe(this.queues.keys.wake());
    await this.discover();
    this.timer = setInterval(() => void this.discover().catch((err: unknown) => this.log.warn({ err }, 'queue discovery failed')), this.config.dispatch.discoverMs);
    this.timer.unref();
  }

  /** Jobs joined `queue`: start pulling it, or wake its puller. */
  wake(queue: string): void {
    this.ensure(queue);
    this.pullers.get(queue)?.wake();
  }

  /** Starts pulling `queue` if nothing here pulls it yet. */
  ensure(queue: string): void {
    if (this.stopped || this.pullers.has(queue)) return;
    const puller = new QueuePuller(queue, this.connection, this.queues, this.store, this.models, this.pool, this.locks, this.opts, this.log);
    this.pullers.set(queue, puller);
    void puller.start().catch((err: unknown) => this.log.error({ err, queue }, 'puller did not start'));
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.fleetTimer);
    await this.discovery?.stop();
    this.pool.close();
    await Promise.all([...this.pullers.values()].map((p) => p.stop(graceMs)));
    this.locks.stop();
    this.pool.dispose();
    await this.subscriber?.quit();
  }

  /**
   * The fleet: configured workers, registered ones whose lease holds, and pods found Ready, one
   * worker per id (configured first, then registered, which say more of themselves than a pod).
   */
  private async syncFleet(): Promise<void> {
    const { workers, dropped } = await this.registry.live(Date.now());
    const fleet = new Map<string, FleetEntry>();
    for (const w of [...this.config.workers, ...workers, ...(this.discovery?.workers() ?? [])]) if (!fleet.has(w.id)) fleet.set(w.id, w);
    const { added, removed } = this.pool.sync([...fleet.values()]);
    if (dropped.length) this.log.warn({ workers: dropped }, 'worker lease lapsed: dropped from the fleet');
    if (added.length || removed.length) this.log.info({ added, removed, fleet: this.pool.fleet().length }, 'fleet changed');
  }

  private async discover(): Promise<void> {
    for (const q of await this.connection.smembers(this.queues.keys.queues())) this.ensure(q);
  }
}
