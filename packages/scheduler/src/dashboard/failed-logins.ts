import { isIPv6 } from 'node:net';

/** Addresses tracked at once; past it (an attacker with many addresses), new ones share one count. */
const MAX_TRACKED = 10_000;
const OVERFLOW = '(overflow)';

interface Window {
  failures: number;
  endsAt: number;
}

/**
 * Failed dashboard sign-ins per client address, in fixed windows, in this
 * replica's memory. Keys are 256 random bits, so guessing one is hopeless
 * anyway; the limit keeps a guesser from costing the scheduler hashes and
 * log lines without end. IPv6 clients count by their /64, which one host
 * usually holds whole. Behind a proxy every client has the proxy's address:
 * the limit then holds for all of them together.
 */
export class FailedLogins {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again; 0: it may now. */
  blockedFor(address: string): number {
    const w = this.windows.get(this.keyOf(address));
    if (!w || w.failures < this.max) return 0;
    const left = w.endsAt - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a failure; true when it was the one that reached the limit. */
  fail(address: string): boolean {
    const now = this.now();
    let key = this.keyOf(address);
    let w = this.windows.get(key);
    if (w && w.endsAt <= now) w = undefined;
    if (!w) {
      if (this.windows.size >= MAX_TRACKED) this.prune(now);
      if (this.windows.size >= MAX_TRACKED) key = OVERFLOW;
      w = this.windows.get(key);
      if (!w || w.endsAt <= now) {
        w = { failures: 0, endsAt: now + this.windowMs };
        this.windows.set(key, w);
      }
    }
    w.failures++;
    return w.failures === this.max;
  }

  /** A sign-in that succeeded clears its address's count. */
  succeed(address: string): void {
    this.windows.delete(this.keyOf(address));
  }

  private keyOf(address: string): string {
    if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
    return isIPv6(address) ? prefix64(address) : address;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (w.endsAt <= now) this.windows.delete(k);
  }
}

/** The first four groups of an IPv6 address, "::" expanded: its /64. */
function prefix64(address: string): string {
  const bare = address.split('%')[0]!;
  const [head, tail] = bare.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':') + '::/64';
}
