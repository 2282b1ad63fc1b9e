import type { Redis } from 'ioredis';
import type { Logger, OpName } from '@nightshift/proto';
import { learn, priorState, type BatchShape, type Coefficients, type ModelState } from './cost-model.js';

export interface CostModelOptions {
  prior: Record<OpName, Coefficients>;
  priorVariance: { a: number; bc: number };
  forgetting: number;
}

/** A model as reported: its coefficients, batches learned and recent error. */
export interface ModelReport extends Coefficients {
  op: OpName;
  workerClass: string;
  batches: number;
  /** Mean absolute percentage error of recent predictions (exponentially weighted); null before any batch. */
  mape: number | null;
}

/**
 * The cost models of every (op, worker class), kept in Redis so that every
 * scheduler replica quotes the same and a restart keeps what was learned.
 * Quoting reads a copy refreshed at most every second, so that admission
 * never waits on it. Learning is a read-modify-write under WATCH on a
 * connection of its own, retried when another replica wrote in between.
 */
export class CostModels {
  private readonly cache = new Map<string, { state: ModelState; at: number }>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Batches settled and waiting for their model's next update, per model key. */
  private readonly unlearned = new Map<string, { batches: Array<{ shape: BatchShape; seconds: number }>; done: Promise<void> }>();

  constructor(
    /** Used for WATCH/MULTI only: no other command may run on it. */
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly opts: CostModelOptions,
    private readonly log: Logger,
    /** Told of every model after it learned a batch (the model-error alert). */
    private readonly onLearned: (op: OpName, workerClass: string, state: ModelState) => void = () => undefined,
  ) {}

  private key(op: OpName, workerClass: string): string {
    // One hash tag for every model and their index: a model's update and the index change together (MULTI).
    return `${this.prefix}:{cost}:${op}:${workerClass}`;
  }

  /** The (op, class) pairs that have a model (SET): what report() lists without scanning keys. */
  private index(): string {
    return `${this.prefix}:{cost}:models`;
  }

  private prior(op: OpName): ModelState {
    return priorState(this.opts.prior[op], this.opts.priorVariance);
  }

  /** The state to quote with now: the cached copy (refreshed in the background when a second old), else the prior. */
  current(op: OpName, workerClass: string): ModelState {
    const key = this.key(op, workerClass);
    const hit = this.cache.get(key);
    if (!hit || Date.now() - hit.at > 1000) void this.refresh(op, workerClass);
    return hit?.state ?? this.prior(op);
  }

  /** Reads the model from Redis into the cache. */
  async refresh(op: OpName, workerClass: string): Promise<ModelState> {
    const key = this.key(op, workerClass);
    const hit = this.cache.get(key);
    // Claim the slot first, so that concurrent callers do not all read.
    this.cache.set(key, { state: hit?.state ?? this.prior(op), at: Date.now() });
    const json = await this.chained(() => this.redis.get(key));
    const state = json ? (JSON.parse(json) as ModelState) : this.prior(op);
    this.cache.set(key, { state, at: Date.now() });
    return state;
  }

  /**
   * Learns from one settled batch. Batches that settle while an update is out are learned
   * together in the next one: one read-modify-write per model however busy the system is.
   */
  learn(op: OpName, workerClass: string, shape: BatchShape, seconds: number): Promise<void> {
    if (!(seconds > 0) || !(shape.paddedTokens > 0)) return Promise.resolve();
    const key = this.key(op, workerClass);
    const queued = this.unlearned.get(key);
    if (queued) {
      queued.batches.push({ shape, seconds });
      return queued.done;
    }
    const batches = [{ shape, seconds }];
    const done = this.chained(async () => {
      // From here on, new batches wait for the next update.
      this.unlearned.delete(key);
      for (let attempt = 0; attempt < 10; attempt++) {
        await this.redis.watch(key);
        const json = await this.redis.get(key);
        let state = json ? (JSON.parse(json) as ModelState) : this.prior(op);
        for (const b of batches) state = learn(state, b.shape, b.seconds, this.opts.forgetting);
        const written = await this.redis.multi().set(key, JSON.stringify(state)).sadd(this.index(), `${op}:${workerClass}`).exec();
        if (written) {
          this.cache.set(key, { state, at: Date.now() });
          this.onLearned(op, workerClass, state);
          return;
        }
      }
      this.log.warn({ op, workerClass, batches: batches.length }, 'cost model update lost to contention 10 times in a row; batches not learned');
    });
    this.unlearned.set(key, { batches, done });
    return done;
  }

  /** Every model learned so far. */
  async report(): Promise<ModelReport[]> {
    const names = await this.chained(() => this.redis.smembers(this.index()));
    const out: ModelReport[] = [];
    for (const name of names.sort()) {
      const [op, workerClass] = name.split(':') as [OpName, string];
      const json = await this.chained(() => this.redis.get(this.key(op, workerClass)));
      if (!json) continue;
      const s = JSON.parse(json) as ModelState;
      out.push({ op, workerClass, a: s.theta[0], b: s.theta[1], c: s.theta[2], batches: s.n, mape: s.mape < 0 ? null : s.mape });
    }
    return out;
  }

  private chained<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch((err: unknown) => this.log.warn({ err }, 'cost model store failed'));
    return run;
  }
}
