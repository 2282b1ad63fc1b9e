/** What one unit (items sent together to one worker) may hold. */
export interface UnitLimits {
  maxItems: number;
  /** Items × the longest of them, as the kernels pad. */
  maxPaddedTokens: number;
  /**
   * What one more unit costs, in padded tokens: a call's fixed work (sending, launching, settling).
   * Higher makes fewer, fuller units; 0 would make every item a unit of its own.
   */
  unitCostTokens: number;
}

/** A unit: the items order[from … to) of the plan, the longest last. */
export interface Unit {
  from: number;
  to: number;
  longest: number;
  realTokens: number;
  paddedTokens: number;
}

export interface UnitPlan {
  /** Item indices by length, shortest first (ties in input order). */
  order: Uint32Array;
  units: Unit[];
  realTokens: number;
  paddedTokens: number;
}

/** Items a plan may sort at once: an index and a length share one float64 key exactly below 2^52. */
export const MAX_PLAN_ITEMS = 2 ** 24;
const MAX_LENGTH = 2 ** 28;

/**
 * Units for a batch object whose lengths are all known (its upload closed). The lengths are
 * sorted, so that a unit holds neighbours of nearly equal length, and the sorted list is cut where
 * it costs least: the cuts minimise padded tokens plus `unitCostTokens` a unit, within the item and
 * padded-token limits (a dynamic program over the cut points, O(items × maxItems)). Where lengths
 * are dense, units fill up; in a sparse tail of long items, a unit stops where the next item would
 * pad it by more than a unit costs. An item longer than the budget is a unit alone (the worker
 * says whether it can run it).
 *
 * Sorting packs (length, index) into one float64 and uses the typed array's numeric sort, without a
 * comparator call per pair.
 */
export function planUnits(lengths: ArrayLike<number>, limits: UnitLimits): UnitPlan {
  const n = lengths.length;
  if (n > MAX_PLAN_ITEMS) throw new RangeError(`a plan sorts at most ${MAX_PLAN_ITEMS} items at once, not ${n}`);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const len = lengths[i]!;
    if (!(len >= 0 && len < MAX_LENGTH)) throw new RangeError(`item ${i}: a length must be 0 to ${MAX_LENGTH - 1}, not ${len}`);
    keys[i] = len * MAX_PLAN_ITEMS + i;
  }
  keys.sort();
  const order = new Uint32Array(n);
  // An empty item still takes a slot: it pads to 1 token, as a kernel call would count it.
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = keys[i]! % MAX_PLAN_ITEMS;
    sorted[i] = Math.max(1, Math.floor(keys[i]! / MAX_PLAN_ITEMS));
  }

  // best[j]: the least cost of cutting sorted[0 … j); cut[j]: where the last unit of that begins.
  const best = new Float64Array(n + 1);
  const cut = new Uint32Array(n + 1);
  for (let j = 1; j <= n; j++) {
    const longest = sorted[j - 1]!;
    const fit = Math.max(1, Math.min(limits.maxItems, Math.floor(limits.maxPaddedTokens / longest), j));
    let bestCost = Infinity;
    let bestFrom = j - 1;
    for (let k = 1; k <= fit; k++) {
      const cost = best[j - k]! + k * longest + limits.unitCostTokens;
      if (cost < bestCost) {
        bestCost = cost;
        bestFrom = j - k;
      }
    }
    best[j] = bestCost;
    cut[j] = bestFrom;
  }

  const units: Unit[] = [];
  let real = 0;
  let padded = 0;
  for (let to = n; to > 0; to = cut[to]!) {
    const from = cut[to]!;
    const longest = sorted[to - 1]!;
    let unitReal = 0;
    for (let k = from; k < to; k++) unitReal += lengths[order[k]!]!;
    units.push({ from, to, longest, realTokens: unitReal, paddedTokens: (to - from) * longest });
    real += unitReal;
    padded += (to - from) * longest;
  }
  units.reverse();
  return { order, units, realTokens: real, paddedTokens: padded };
}
