import { ConfigError, configPathFromArgs } from './config-file.js';
import { createLogger, type Logger } from './logger.js';

export interface ServiceMain<C extends { logLevel: string }> {
  /** The program name, for messages: nightshift-scheduler, nightshift-worker. */
  name: string;
  /** The variable naming the config file when --config is not given. */
  configEnvVar: string;
  load(file: string | undefined): C;
  /** Log fields every line of this service carries. */
  bindings?(config: C): Record<string, unknown>;
  /** Starts serving; `ready` is printed as the one stdout line. */
  start(config: C, log: Logger): Promise<{ ready: Record<string, unknown>; stop(): Promise<void> }>;
}

/**
 * The life of a service process: config (exit 2 when invalid), start, one
 * ready line on stdout for whoever started it, a clean stop on SIGTERM or
 * SIGINT, exit 1 on a failure to start.
 */
export function runServiceMain<C extends { logLevel: string }>(s: ServiceMain<C>): void {
  const fail = (code: number, message: string) => {
    process.stderr.write(`${s.name}: ${message}\n`);
    process.exit(code);
  };
  let config: C;
  try {
    config = s.load(configPathFromArgs(process.argv.slice(2), s.configEnvVar));
  } catch (err) {
    if (err instanceof ConfigError) return fail(2, err.message);
    throw err;
  }
  const log = createLogger(s.name.replace(/^nightshift-/, ''), config.logLevel, s.bindings?.(config));
  s.start(config, log).then(
    (service) => {
      process.stdout.write(`${JSON.stringify({ ready: true, ...service.ready })}\n`);
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          log.info({ signal }, 'stopping');
          void service.stop().then(() => process.exit(0));
        });
      }
    },
    (err: unknown) => fail(1, (err as Error).stack ?? String(err)),
  );
}
