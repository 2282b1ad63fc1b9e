import type { OpName } from '@nightshift/proto';
import { paddedTokens, type BatchLimits } from '../batching/index.js';
import { aloneSeconds, predictSeconds, type ModelState } from './cost-model.js';
import { ON_DEMAND, priceOf, type PriceList } from './prices.js';
import { Calendar } from '../calendar/index.js';
import { systemClock, type Clock } from '../clock/index.js';

/** A job's predicted cost in one window. */
export interface WindowQuote {
  window: string;
  workerClass: string;
  /** Its share of its predicted batch's seconds. */
  seconds: number;
  /** US dollars. */
  price: number;
  /** When it would start and finish, ms since the epoch. */
  startAt: number;
  finishAt: number;
  /** When the window's opening (in progress or next) began or begins: with `window`, it names the opening. */
  opensAt: number;
  /** When that opening ends (0: on-demand, which never closes). */
  closesAt: number;
  /** The window is open at the time of the quote (on-demand always is). */
  openNow: boolean;
  /** The window's capacity can be taken back (spot). */
  spot: boolean;
  /** The cost model's recent error (mean absolute percentage; -1 before any batch), and batches learned. */
  modelError: number;
  modelBatches: number;
}

/**
 * A job's predicted seconds if it runs in a full batch of its bucket: as many jobs of the bucket's
 * bound as the limits allow, the batch's seconds shared by padded tokens. Also the batch's seconds.
 */
export function fullBatchShare(state: ModelState, bound: number, limits: BatchLimits): { seconds: number; batchSeconds: number } {
  const jobs = Math.max(1, Math.min(limits.maxBatchJobs, Math.floor(limits.maxPaddedTokens / bound)));
  const batchSeconds = predictSeconds(state, { paddedTokens: paddedTokens(jobs, bound), maxLength: bound });
  return { seconds: batchSeconds / jobs, batchSeconds };
}

/** The longest length a bucket holds (a job above the last bound is its own). */
export function bucketBound(bucket: string, length: number): number {
  return bucket.startsWith('le') ? Math.max(length, Number(bucket.slice(2))) : length;
}

/** Where quotes read the cost model of an (op, worker class) from: CostModels, or a simulation's fixed model. */
export interface ModelSource {
  current(op: OpName, workerClass: string): ModelState;
}

/** Predicted seconds of the work queued ahead, per op (per worker slot). */
export type Backlog = (op: OpName) => number;

/**
 * Prices a job before it runs. It is assumed to run in a full batch of its
 * bucket: as many jobs of the bucket's longest length as the batch limits
 * allow. Its share, by padded tokens, of that batch's predicted seconds is
 * priced in every window where some worker class has a price.
 */
export class Quoter {
  constructor(
    private readonly models: ModelSource,
    private readonly prices: PriceList,
    private readonly limits: BatchLimits,
    /** The worker classes jobs can run on. */
    private readonly classes: () => readonly string[],
    private readonly backlog: Backlog,
    /** When windows other than on-demand open. */
    private readonly calendar: Calendar = new Calendar([]),
    private readonly clock: Clock = systemClock,
  ) {}

  /** What a job would cost alone (a batch of one) on demand, on the cheapest class: what batching and windows save against. */
  alonePrice(op: OpName, length: number, bucket: string): number {
    const bound = bucketBound(bucket, length);
    let best = Infinity;
    for (const workerClass of this.classes()) {
      const model = this.models.current(op, workerClass);
      // Held between its share of a full batch and the full batch's seconds.
      const full = fullBatchShare(model, bound, this.limits);
      const seconds = aloneSeconds(model, length, { low: full.seconds, high: full.batchSeconds });
      best = Math.min(best, priceOf(this.prices, workerClass, ON_DEMAND, seconds) ?? Infinity);
    }
    return Number.isFinite(best) ? best : 0;
  }

  /** Quotes, cheapest first; `bucket` is the job's bucket name (le… or gt…). */
  quote(op: OpName, length: number, bucket: string, now = this.clock.now()): WindowQuote[] {
    const bound = bucketBound(bucket, length);
    const ahead = this.backlog(op);
    const out: WindowQuote[] = [];
    for (const workerClass of this.classes()) {
      const model = this.models.current(op, workerClass);
      const { seconds, batchSeconds } = fullBatchShare(model, bound, this.limits);
      for (const window of Object.keys(this.prices.classes[workerClass] ?? {})) {
        // A window open now (on-demand always is) starts behind the work queued; a later one when it opens.
        // (Work deferred to a later opening is the deferral planner's business.)
        const opening = window === ON_DEMAND ? { start: now, end: 0, spot: false } : this.calendar.nextOpening(window, now);
        if (!opening) continue;
        const startAt = Math.round(opening.start <= now ? now + ahead * 1000 : opening.start);
        const price = priceOf(this.prices, workerClass, window, seconds)!;
        out.push({
          window, workerClass, seconds, price, startAt, finishAt: Math.round(startAt + batchSeconds * 1000), opensAt: opening.start, closesAt: opening.end, openNow: opening.start <= now, spot: opening.spot,
          modelError: model.mape, modelBatches: model.n,
        });
      }
    }
    return out.sort((a, b) => a.price - b.price || a.finishAt - b.finishAt);
  }
}
