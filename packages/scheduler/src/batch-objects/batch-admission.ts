import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@nightshift/proto';
import { ApiError } from '../api/api-error.js';
import { priceOf, usd, type ModelSource, type PriceList, type WindowQuote } from '../pricing/index.js';
import { place, type Calendar, type DeferralPolicy, type DeferredLoad } from '../windows/index.js';
import type { Guardrails } from '../guardrails/index.js';
import type { Clock } from '../clock/index.js';
import type { BatchPlanner } from './batch-planner.js';
import type { BatchLedger } from './batch-ledger.js';
import { awaitsTrueUp, FINAL_BATCH_STATES as FINAL, type BatchRecord, type BatchState, type BatchStore } from './batch-record.js';
import type { UnitQueue } from './unit-queue.js';
import { batchQuotes } from './batch-price.js';

/** The states a batch can fail from. */
const LIVE: readonly BatchState[] = ['UPLOADING', 'VALIDATING', 'QUEUED', 'DEFERRED', 'RUNNING'];

/** How long a replica's claim to admit a batch lasts unless renewed (it is, while planning). */
const LOCK_MS = 30_000;

export interface BatchAdmissionDeps {
  store: BatchStore;
  planner: BatchPlanner;
  ledger: BatchLedger;
  units: UnitQueue;
  guardrails: Guardrails;
  models: ModelSource;
  prices: PriceList;
  calendar: Calendar;
  load: DeferredLoad;
  policy: DeferralPolicy;
  clock: Clock;
  /** Workers that serve a window at once (on-demand: the fleet's). */
  workers: (window: string) => number;
  log: Logger;
}

/**
 * Takes a closed upload to QUEUED or DEFERRED, or refuses it whole: its units (planned as it was
 * uploaded, see BatchPlanner) priced in every window, placed (now, or the cheapest window that finishes it
 * before its deadline), held to its max_cost, and its whole quote reserved against the tenant's
 * budget. Every step may run again after a crash: a reservation already held is kept, and the
 * move from VALIDATING happens once.
 */
export class BatchAdmission {
  constructor(private readonly d: BatchAdmissionDeps) {}

  /**
   * Admits the batch if it is VALIDATING and no other replica is admitting it; `wait` waits for one
   * that is (the upload's own stream answers with the outcome), else returns the batch as it stands.
   */
  async admit(id: string, wait = false): Promise<BatchRecord> {
    const lock = this.d.store.keys.planner(id);
    const me = randomUUID();
    for (;;) {
      const b = await this.d.store.get(id);
      if (!b) throw new ApiError(grpc.status.NOT_FOUND, `batch ${id} is gone`);
      if (b.state !== 'VALIDATING') return b;
      if ((await this.d.store.redis.set(lock, me, 'PX', LOCK_MS, 'NX')) === 'OK') break;
      if (!wait) return b;
      await sleep(200);
    }
    const renew = setInterval(() => void this.d.store.redis.pexpire(lock, LOCK_MS).catch(() => undefined), LOCK_MS / 3);
    try {
      return await this.admitLocked(id);
    } finally {
      clearInterval(renew);
      await this.d.store.redis.del(lock).catch(() => undefined);
    }
  }

  private async admitLocked(id: string): Promise<BatchRecord> {
    const b = await this.d.store.get(id);
    if (!b) throw new ApiError(grpc.status.NOT_FOUND, `batch ${id} is gone`);
    if (b.state !== 'VALIDATING') return b;
    const totals = await this.d.planner.totals(id);
    const now = this.d.clock.now();
    if (totals.units === 0) {
      const why = totals.items > 0 ? 'nothing to run: every item came from the result cache' : 'nothing to run: the batch holds no items';
      await this.d.store.move(id, ['VALIDATING'], 'SUCCEEDED', { startedAt: now, finishedAt: now, placement: why });
      return (await this.d.store.get(id))!;
    }
    return this.placeAndReserve(b, 'VALIDATING', totals.seconds, { units: `${totals.units} units`, tokens: b.tokens, padded: totals.paddedTokens });
  }

  /**
   * Admits a batch that declared its size, at its header, before any item is stored: priced from
   * the declared size (`estimate`, its predicted seconds on each class), placed and reserved, or
   * refused whole. Its units then run as they are planned; the close trues it up (trueUp).
   */
  async admitDeclared(id: string, estimate: { seconds: Record<string, number>; paddedTokens: number }): Promise<BatchRecord> {
    const b = await this.d.store.get(id);
    if (!b) throw new ApiError(grpc.status.NOT_FOUND, `batch ${id} is gone`);
    if (b.state !== 'UPLOADING' || b.declaredItems === 0) return b;
    return this.placeAndReserve(b, 'UPLOADING', estimate.seconds, {
      units: `${b.declaredItems} items declared`, tokens: b.declaredTokens, padded: estimate.paddedTokens,
    });
  }

  /**
   * A batch admitted at its header, once its upload has closed: its reservation becomes the quote
   * of what was uploaded (priced in one pass over its lengths, in the class and window it was
   * placed in), less the part its settled units have charged; finished if every unit is done.
   * Over its budget or max_cost now (the declared size underpriced it), it fails: its units not
   * yet run are dropped, those run are charged. Safe to repeat; the sweeper runs it for a
   * scheduler that died between the close and here.
   */
  async trueUp(id: string): Promise<BatchRecord> {
    let b = await this.d.store.get(id);
    if (!b) throw new ApiError(grpc.status.NOT_FOUND, `batch ${id} is gone`);
    if (!awaitsTrueUp(b) || FINAL.has(b.state) || !b.quote) return b;
    const declaredPrice = b.quote.price;
    const totals = await this.d.planner.totals(id);
    const seconds = totals.seconds[b.quote.workerClass] ?? 0;
    const price = priceOf(this.d.prices, b.quote.workerClass, b.quote.window, seconds) ?? b.quote.price;
    if (b.maxCost > 0 && price > b.maxCost) {
      return this.fail(b, new ApiError(grpc.status.FAILED_PRECONDITION, `batch.max_cost: what was uploaded is quoted ${usd(price)} (${b.quote.window}, ${totals.units} units), above its max_cost of ${usd(b.maxCost)} by ${usd(price - b.maxCost)}; its declared size was quoted ${usd(b.quote.price)}`));
    }
    const left = totals.paddedTokens > 0 ? price * Math.max(0, 1 - b.paddedDone / totals.paddedTokens) : 0;
    const limits = this.d.guardrails.limits(b.tenant);
    const held = await this.d.ledger.resize(b.tenant, id, left, limits.budget);
    if (!held.ok) {
      const period = this.d.guardrails.period(b.tenant);
      return this.fail(b, new ApiError(grpc.status.RESOURCE_EXHAUSTED, `tenant ${b.tenant}'s budget for ${period.id} is ${usd(limits.budget)}: spent ${usd(held.spent)} and reserved ${usd(held.reserved)}; what this batch uploaded is quoted ${usd(price)}, above the ${usd(b.quote.price)} its declared size was, and would pass it`));
    }
    const quote = { ...b.quote, seconds, price };
    // The ETA of what is left, at the quote's pace (the one set at the header was for the declared size).
    const now = this.d.clock.now();
    const rest = totals.paddedTokens > 0 ? Math.max(0, 1 - b.paddedDone / totals.paddedTokens) : 0;
    const eta = Math.round(Math.max(now, b.plannedStart) + ((seconds * rest) / Math.max(1, this.d.workers(b.quote.window))) * 1000);
    await this.d.store.redis.hset(this.d.store.keys.meta(id), 'quote', JSON.stringify(quote), 'quotePadded', totals.paddedTokens, 'trued', '1', 'eta', eta);
    if (await this.d.store.finishIfDone(id, now)) await this.d.ledger.release(b.tenant, id);
    b = (await this.d.store.get(id))!;
    this.d.log.info({ batchId: id, tenant: b.tenant, items: b.items, units: b.units, price, declaredPrice }, 'batch trued up');
    return b;
  }

  /**
   * Fails a batch in one of the states `from` (default: any not final), or refuses one at its
   * admission: its units not yet run are dropped and what it holds reserved is released (also
   * when a crash came between the two, the batch already final); thrown for the caller.
   */
  async fail(b: BatchRecord, err: ApiError, from: readonly BatchState[] = LIVE): Promise<never> {
    const moved = await this.d.store.move(b.id, from, 'FAILED', { error: err.message, finishedAt: this.d.clock.now() });
    const now = await this.d.store.get(b.id);
    // Not moved and still live: another stream or replica admitted it meanwhile, and what it holds is its own.
    if (moved || !now || FINAL.has(now.state)) await this.d.ledger.release(b.tenant, b.id);
    if (moved && now) {
      await this.d.units.remove(now);
      this.d.log.info({ batchId: b.id, tenant: b.tenant, error: err.message }, 'batch failed');
    }
    throw err;
  }

  /** Prices `seconds` of work in every window, places it, holds it to max_cost and reserves the quote, or refuses the batch whole. */
  private async placeAndReserve(b: BatchRecord, from: 'UPLOADING' | 'VALIDATING', seconds: Record<string, number>, size: { units: string; tokens: number; padded: number }): Promise<BatchRecord> {
    const id = b.id;
    const now = this.d.clock.now();
    const quotes = batchQuotes(b.spec.op, seconds, this.d.prices, this.d.calendar, this.d.workers, this.d.models, now);
    // place() adds a window's spread to its start itself; the quotes' finishAt is for showing.
    const p = place(quotes.map((q) => ({ ...q, finishAt: q.startAt })), b.deadline, this.d.policy, this.d.load);
    const quote = p.quote && quotes.find((q) => q.window === p.quote!.window && q.workerClass === p.quote!.workerClass);
    if (!quote) return this.fail(b, new ApiError(grpc.status.FAILED_PRECONDITION, `no worker class has a price for ${b.spec.op} in any open window`), [from]);
    if (b.maxCost > 0 && quote.price > b.maxCost) {
      return this.fail(b, new ApiError(grpc.status.FAILED_PRECONDITION, `batch.max_cost: quoted ${usd(quote.price)} (${quote.window}, ${size.units}), above its max_cost of ${usd(b.maxCost)} by ${usd(quote.price - b.maxCost)}`), [from]);
    }
    const limits = this.d.guardrails.limits(b.tenant);
    const period = this.d.guardrails.period(b.tenant);
    const held = await this.d.ledger.reserve(b.tenant, id, { price: quote.price, budget: limits.budget, period: period.id, tokens: size.tokens });
    if (!held.ok) {
      const over = held.spent + held.reserved + quote.price - limits.budget;
      return this.fail(
        b,
        new ApiError(
          grpc.status.RESOURCE_EXHAUSTED,
          `tenant ${b.tenant}'s budget for ${period.id} is ${usd(limits.budget)}: spent ${usd(held.spent)} and reserved ${usd(held.reserved)}; this batch's quote of ${usd(quote.price)} would pass it by ${usd(over)}`,
        ),
        [from],
      );
    }
    const span = quote.finishAt - quote.startAt;
    const common = {
      quote: JSON.stringify(quoteFields(quote)), plannedWindow: quote.window, placement: p.reason, admittedAt: now, pool: quote.spot ? 'spot' : 'on-demand', quotePadded: size.padded,
    };
    if (p.kind === 'defer') {
      await this.d.store.move(id, [from], 'DEFERRED', { ...common, plannedStart: p.plan.start, eta: p.plan.start + span });
      await this.d.load.persist([{ window: quote.window, opensAt: quote.opensAt, closesAt: quote.closesAt, seconds: quote.seconds }]);
    } else {
      await this.d.store.move(id, [from], 'QUEUED', { ...common, plannedStart: now, eta: now + span });
    }
    const admitted = (await this.d.store.get(id))!;
    if (admitted.state === 'QUEUED') await this.d.units.release(admitted);
    this.d.log.info({ batchId: id, tenant: b.tenant, items: b.items, size: size.units, state: admitted.state, window: quote.window, price: quote.price }, 'batch admitted');
    return admitted;
  }
}

function quoteFields(q: WindowQuote): NonNullable<BatchRecord['quote']> {
  return { window: q.window, workerClass: q.workerClass, seconds: q.seconds, price: q.price, modelError: q.modelError, modelBatches: q.modelBatches };
}
