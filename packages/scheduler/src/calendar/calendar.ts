import { CronExpressionParser } from 'cron-parser';
import cron from 'node-cron';

const DAY = 86_400_000;

/** A capacity window as configured: when it opens (cron, in its time zone) and for how long. */
export interface WindowSpec {
  name: string;
  /** Five-field cron: when each opening starts. */
  start: string;
  durationMinutes: number;
  timezone: string;
  /** Its capacity can be taken back (spot): only spot workers serve it. */
  spot: boolean;
}

/** One opening of a window. */
export interface Opening {
  window: string;
  start: number;
  end: number;
  spot: boolean;
}

/**
 * The calendar of capacity windows. On-demand is not in it: it is always
 * open. Windows may overlap; which is cheapest is the prices' business.
 * Pure: the time is always given.
 */
export class Calendar {
  /** The openings over some days, computed once: cron parsing costs more than a quote may. */
  private cached: { from: number; to: number; list: Opening[] } | undefined;

  constructor(readonly windows: readonly WindowSpec[]) {}

  /**
   * The openings overlapping [at, at + horizonMs), from the cache (refilled when it runs short). It
   * reaches a day back too: callers ask about moments a little apart (a job's arrival, then the clock's
   * step before it), and a cache starting at the latest would be rebuilt at every such step back.
   */
  private around(at: number, horizonMs: number): Opening[] {
    const c = this.cached;
    if (c && at >= c.from && at + horizonMs <= c.to) return c.list;
    const from = at - DAY;
    const to = at + horizonMs + DAY;
    this.cached = { from, to, list: this.openings(from, to) };
    return this.cached.list;
  }

  /** Openings of every window that overlap [from, to), by start. */
  openings(from: number, to: number): Opening[] {
    const out: Opening[] = [];
    for (const w of this.windows) {
      const length = w.durationMinutes * 60_000;
      // An opening that started up to one duration ago may still be open at `from`.
      const it = CronExpressionParser.parse(w.start, { tz: w.timezone, currentDate: new Date(from - length - 1) });
      for (;;) {
        const start = it.next().getTime();
        if (start >= to) break;
        if (start + length > from) out.push({ window: w.name, start, end: start + length, spot: w.spot });
      }
    }
    return out.sort((a, b) => a.start - b.start || a.window.localeCompare(b.window));
  }

  /** The openings in progress at `at`. */
  openAt(at: number): Opening[] {
    if (this.windows.length === 0) return [];
    return this.around(at, DAY).filter((o) => o.start <= at && o.end > at);
  }

  /** The opening of `window` in progress at `at`, else its next one (within `horizonMs`). */
  nextOpening(window: string, at: number, horizonMs = 8 * DAY): Opening | undefined {
    return this.around(at, horizonMs).find((o) => o.window === window && o.end > at && o.start < at + horizonMs);
  }
}

/** Whether `expr` is a five-field cron expression both the calendar (cron-parser) and node-cron, which fires it, read. */
export function validCron(expr: string): boolean {
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC' }).next();
    return expr.trim().split(/\s+/).length === 5 && cron.validate(expr);
  } catch {
    return false;
  }
}

/** Whether `tz` is an IANA time zone this runtime knows. */
export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
