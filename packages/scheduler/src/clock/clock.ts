/**
 * Where the scheduler reads the time for calendar decisions (budget periods
 * now, capacity windows later), so that tests can move it: days of calendar
 * time in seconds, through the same code as production.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that runs with real time from a starting point, and jumps when told. */
export class ManualClock implements Clock {
  private offset: number;

  constructor(start = Date.now()) {
    this.offset = start - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}
