import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON line per event worth knowing, on stderr so stdout stays the program's own. */
export function createLogger(service: string, level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service, ...bindings } }, pino.destination(2));
}
