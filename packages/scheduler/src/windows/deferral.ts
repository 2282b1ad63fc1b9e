import { ON_DEMAND, usd } from '../pricing/prices.js';
import type { WindowQuote } from '../pricing/quoter.js';
import type { Plan } from '../jobs/index.js';

export interface DeferralPolicy {
  /** A job quoted at least this much to run now (US dollars) is heavy: only heavy jobs wait. */
  heavyPrice: number;
  /** Slack kept before a deadline, ms: a plan must finish this much earlier. */
  marginMs: number;
}

/** What the planner needs to know of the fleet and of the work already deferred. */
export interface Capacity {
  /** Workers that serve `window` in parallel (0: none; such a window is never planned). */
  workers(window: string): number;
  /** Predicted worker-seconds already planned in the opening of `window` that opens at `opensAt`. */
  load(window: string, opensAt: number): number;
}

export type Placement =
  /** Queue it now, priced in `quote`'s window (the cheapest one open). */
  | { kind: 'now'; quote: WindowQuote | undefined; reason: string }
  /** Hold it DEFERRED until `plan.start`, when `quote`'s window opens. */
  | { kind: 'defer'; quote: WindowQuote; plan: Plan; reason: string };

/**
 * Where a job runs: now, or in a cheaper window that opens later. A job is
 * deferred only if it is heavy, has a deadline, and some cheaper window is
 * predicted to finish it before the deadline (less a margin) given the work
 * already planned there and the workers it has; the cheapest such window
 * wins. Pure: quotes, deadline and time are given, so the cost simulator
 * runs this same code on its own clock.
 */
export function place(quotes: readonly WindowQuote[], deadline: number, policy: DeferralPolicy, capacity: Capacity): Placement {
  const runNow = cheapestOpen(quotes);
  if (!runNow) return { kind: 'now', quote: quotes[0], reason: 'runs now: no open window has a price for it' };
  if (!deadline) return { kind: 'now', quote: runNow, reason: 'runs now: no deadline' };
  if (runNow.price < policy.heavyPrice) {
    return { kind: 'now', quote: runNow, reason: `runs now: ${usd(runNow.price)} is below the heavy threshold of ${usd(policy.heavyPrice)}` };
  }
  let late: WindowQuote | undefined;
  for (const q of quotes) {
    if (q.price >= runNow.price) break;
    // Open windows are runNow's business (an open spot window is never joined by interactive-looking work: it is
    // planned like a later one, from now).
    if (q.openNow && !q.spot) continue;
    const workers = capacity.workers(q.window);
    if (workers <= 0) continue;
    // Its turn comes after the work planned ahead of it in this opening, spread over the window's workers;
    // it is released then, not at the opening, so the window's work arrives at the pace its workers take it.
    const turn = q.startAt + (capacity.load(q.window, q.opensAt) / workers) * 1000;
    const begins = turn + (q.seconds / workers) * 1000;
    if (q.closesAt !== 0 && begins > q.closesAt) continue;
    if (begins + (q.finishAt - q.startAt) + policy.marginMs > deadline) {
      late ??= q;
      continue;
    }
    return {
      kind: 'defer',
      quote: q,
      plan: { window: q.window, start: Math.round(turn), price: q.price },
      reason: `deferred to ${q.window} (${new Date(turn).toISOString()}): ${usd(q.price)} instead of ${usd(runNow.price)}`,
    };
  }
  const why = late ? `${late.window} would finish it too close to its deadline` : 'no cheaper window has room for it before its deadline';
  return { kind: 'now', quote: runNow, reason: `runs now: ${why}` };
}

/** The cheapest window a job queued now runs in: on-demand, or an open window that is not spot. */
export function cheapestOpen(quotes: readonly WindowQuote[]): WindowQuote | undefined {
  return quotes.find((q) => q.window === ON_DEMAND || (q.openNow && !q.spot));
}

