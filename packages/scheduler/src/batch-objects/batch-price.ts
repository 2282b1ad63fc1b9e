import type { OpName } from '@nightshift/proto';
import { predictSeconds, priceOf, type ModelSource, type PriceList } from '../pricing/index.js';
import type { UnitPlan } from './unit-plan.js';

/** A batch object's predicted worker-seconds and price on one worker class in one window. */
export interface BatchPrice {
  workerClass: string;
  window: string;
  /** Worker-seconds: every unit's predicted seconds, added up. */
  seconds: number;
  /** US dollars. */
  price: number;
}

/**
 * Prices a planned batch object in one pass over its units per worker class: each unit's seconds
 * by the class's cost model (the unit's padded tokens and longest item), then priced in every
 * window the class has a price in. Cheapest first. When it finishes depends on the windows'
 * workers and what else they run: that is the placement's business, not the price's.
 */
export function priceBatch(op: OpName, plan: UnitPlan, models: ModelSource, prices: PriceList, classes: readonly string[]): BatchPrice[] {
  const out: BatchPrice[] = [];
  for (const workerClass of classes) {
    const model = models.current(op, workerClass);
    let seconds = 0;
    for (const u of plan.units) seconds += predictSeconds(model, { paddedTokens: u.paddedTokens, maxLength: u.longest });
    for (const window of Object.keys(prices.classes[workerClass] ?? {})) {
      out.push({ workerClass, window, seconds, price: priceOf(prices, workerClass, window, seconds)! });
    }
  }
  return out.sort((a, b) => a.price - b.price);
}
