import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON line per event worth knowing, on stderr so stdout stays the program's own. */
export function createLogger(service: string, level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service, ...bindings } }, pino.destination(2));
}

const lastLine = new Map<string, { at: number; times: number }>();

/**
 * Logs `msg` at most once every `everyMs` per message and error text, with `times`: how often it
 * happened since the line before. While Redis is away every connection (one per queue) reports
 * each reconnect attempt; one line every 10 s says as much as hundreds, and buries nothing else.
 */
export function throttled(log: Logger, level: 'warn' | 'error', msg: string, fields: Record<string, unknown> & { err?: unknown }, opts: { everyMs?: number; now?: number } = {}): void {
  const errText = fields.err instanceof Error ? fields.err.message : String(fields.err ?? '');
  const key = `${level} ${msg} ${errText}`;
  const now = opts.now ?? Date.now();
  const last = lastLine.get(key);
  if (last && now - last.at < (opts.everyMs ?? 10_000)) {
    last.times++;
    return;
  }
  log[level]({ ...fields, times: (last?.times ?? 0) + 1 }, msg);
  lastLine.set(key, { at: now, times: 0 });
  // Error texts vary (ids, addresses): forget lines whose interval is over, so the map stays small.
  if (lastLine.size > 1000) for (const [k, v] of lastLine) if (now - v.at >= (opts.everyMs ?? 10_000)) lastLine.delete(k);
}
