import type { OpName } from '@nightshift/proto';
import { ON_DEMAND, priceOf, type ModelSource, type PriceList, type WindowQuote } from '../pricing/index.js';
import type { Calendar } from '../windows/index.js';

/**
 * A planned batch object's quotes, one per worker class and window with a price: the predicted
 * worker-seconds of all its units (summed as it was planned, in one pass over its lengths), their
 * price there, and when it would finish: from now (on-demand) or the window's next opening, its
 * seconds spread over the window's workers. Cheapest first.
 */
export function batchQuotes(
  op: OpName,
  seconds: Record<string, number>,
  prices: PriceList,
  calendar: Calendar,
  workers: (window: string) => number,
  models: ModelSource,
  now: number,
): WindowQuote[] {
  const out: WindowQuote[] = [];
  for (const [workerClass, s] of Object.entries(seconds)) {
    const model = models.current(op, workerClass);
    for (const window of Object.keys(prices.classes[workerClass] ?? {})) {
      const opening = window === ON_DEMAND ? { start: now, end: 0, spot: false } : calendar.nextOpening(window, now);
      if (!opening) continue;
      const startAt = Math.max(now, opening.start);
      const span = (s / Math.max(1, workers(window))) * 1000;
      out.push({
        window, workerClass, seconds: s, price: priceOf(prices, workerClass, window, s)!, startAt, finishAt: Math.round(startAt + span),
        opensAt: opening.start, closesAt: opening.end, openNow: opening.start <= now, spot: opening.spot, modelError: model.mape, modelBatches: model.n,
      });
    }
  }
  return out.sort((a, b) => a.price - b.price || a.finishAt - b.finishAt);
}
