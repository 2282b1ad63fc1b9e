/** A capacity window's price per hour of each worker class, US dollars. On-demand is always open. */
export interface PriceList {
  /** worker class → window → dollars per worker-hour (per GPU-hour on GPU workers). */
  classes: Record<string, Record<string, number>>;
}

export const ON_DEMAND = 'on-demand';

/** Dollars for `seconds` of a worker of `workerClass` in `window`; undefined when that class has no price there. */
export function priceOf(prices: PriceList, workerClass: string, window: string, seconds: number): number | undefined {
  const perHour = prices.classes[workerClass]?.[window];
  return perHour === undefined ? undefined : (seconds * perHour) / 3600;
}

/** Dollars as messages show them: cents from $1 up, three significant digits below. */
export function usd(v: number): string {
  return `$${v >= 1 ? v.toFixed(2) : v.toPrecision(3)}`;
}
