import type { Calendar } from '../calendar/index.js';
import type { Clock } from '../clock/clock.js';
import type { Pool } from '../queueing/index.js';
import { ON_DEMAND, type PriceList } from './prices.js';

/**
 * What a worker's seconds cost when they are spent: at the cheapest window
 * open at that moment that its pool serves. On-demand workers serve
 * on-demand and the open windows that are not spot (off-peak prices);
 * spot workers serve spot windows only.
 */
export class Billing {
  constructor(
    private readonly prices: PriceList,
    private readonly calendar: Calendar,
    private readonly clock: Clock,
  ) {}

  /** The window billed now and its price per hour; undefined when the class has no price in any. */
  window(workerClass: string, pool: Pool, now = this.clock.now()): { window: string; perHour: number } | undefined {
    const perHour = this.prices.classes[workerClass] ?? {};
    let best: { window: string; perHour: number } | undefined;
    const consider = (window: string) => {
      const p = perHour[window];
      if (p !== undefined && (!best || p < best.perHour)) best = { window, perHour: p };
    };
    for (const o of this.calendar.openAt(now)) if (o.spot === (pool === 'spot')) consider(o.window);
    if (pool === 'on-demand' || !best) consider(ON_DEMAND);
    return best;
  }

  /** Dollars for `seconds` of a worker of `workerClass` in `pool`, now. */
  cost(workerClass: string, pool: Pool, seconds: number): number {
    const w = this.window(workerClass, pool);
    return w ? (seconds * w.perHour) / 3600 : 0;
  }

  /** Dollars for `seconds` of a worker of `workerClass` on demand (0 when it has no on-demand price). */
  onDemand(workerClass: string, seconds: number): number {
    return (seconds * (this.prices.classes[workerClass]?.[ON_DEMAND] ?? 0)) / 3600;
  }
}
