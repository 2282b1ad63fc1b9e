import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '@nightshift/proto';
import type { Clock } from '../clock/index.js';
import type { Calendar, WindowSpec } from '../calendar/index.js';

export interface WindowHandlers {
  /** Queue the deferred jobs due by `now`; how many, and when the next is due. */
  release(now: number): Promise<{ released: number; next: number | null }>;
  /** An opening of `window` ended at `now`. */
  closed(window: WindowSpec, now: number): Promise<void>;
  /** After the closes and releases of a tick: move work that cannot wait for spot; how many moved. */
  sweep(now: number): Promise<number>;
}

/**
 * Drives the calendar: node-cron fires each window's opening (in its time
 * zone), which ticks: releases the jobs deferred to it and reports the
 * openings that closed since the last tick. A tick also runs at start-up (a
 * window that opened while the scheduler was down is honoured at once),
 * when the next deferred job is due, and at least once a minute, so a
 * missed cron firing delays nothing for long. Tests on a ManualClock call
 * tick() after moving it.
 */
export class WindowEvents {
  private readonly tasks: ScheduledTask[] = [];
  private last: number;
  /** When the next tick is set for (clock time). */
  private nextAt = Infinity;
  private poll: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly calendar: Calendar,
    private readonly clock: Clock,
    private readonly handlers: WindowHandlers,
    private readonly log: Logger,
    private readonly pollMs = 60_000,
  ) {
    this.last = clock.now();
  }

  async start(): Promise<void> {
    await this.tick();
    for (const w of this.calendar.windows) {
      const task = cron.schedule(w.start, () => this.opened(w), { timezone: w.timezone, name: `nightshift-window-${w.name}` });
      this.tasks.push(task);
    }
  }

  /** Releases what is due now; one at a time (cron, timers and tests may all call it). */
  tick(): Promise<void> {
    const run = async (): Promise<void> => {
      await this.running;
      if (this.stopped) return;
      const now = this.clock.now();
      const longest = Math.max(0, ...this.calendar.windows.map((w) => w.durationMinutes)) * 60_000;
      for (const o of this.calendar.openings(this.last - longest, now)) {
        if (o.end <= this.last || o.end > now) continue;
        const w = this.calendar.windows.find((x) => x.name === o.window)!;
        this.log.info({ window: o.window, spot: o.spot }, 'window closed');
        await this.handlers.closed(w, now);
      }
      this.last = now;
      const { released, next } = await this.handlers.release(now);
      if (released) this.log.info({ released }, 'deferred jobs released');
      const fellBack = await this.handlers.sweep(now);
      if (fellBack) this.log.info({ fellBack }, 'spot work fell back to on-demand');
      const nextClose = this.calendar.openings(now, now + this.pollMs).find((o) => o.end > now)?.end ?? null;
      this.schedule(Math.min(next ?? Infinity, nextClose ?? Infinity));
    };
    const p = run().catch((err: unknown) => this.log.error({ err }, 'releasing deferred jobs failed'));
    this.running = p;
    return p;
  }

  private opened(w: WindowSpec): void {
    this.log.info({ window: w.name, spot: w.spot, durationMinutes: w.durationMinutes }, 'window opened');
    void this.tick();
  }

  /** Work was deferred until `at`: tick then, if that is before the next tick set. */
  dueAt(at: number): void {
    if (at < this.nextAt) this.schedule(at);
  }

  /** The next tick: when the next deferred job is due or opening closes, at the latest after pollMs. */
  private schedule(next: number): void {
    clearTimeout(this.poll);
    if (this.stopped) return;
    const ms = Math.min(this.pollMs, Math.max(0, next - this.clock.now()));
    this.nextAt = this.clock.now() + ms;
    this.poll = setTimeout(() => void this.tick(), ms);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tasks) await t.destroy();
    clearTimeout(this.poll);
    await this.running;
  }
}
