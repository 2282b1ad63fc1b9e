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
  // Handlers first: a SIGTERM that arrives while the service is starting stops it once started.
  let service: { stop(): Promise<void> } | undefined;
  let stopping = false;
  const stop = () => void service!.stop().then(() => process.exit(0));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping');
      stopping = true;
      if (service) stop();
    });
  }
  s.start(config, log).then(
    (started) => {
      service = started;
      if (stopping) return stop();
      process.stdout.write(`${JSON.stringify({ ready: true, ...started.ready })}\n`);
    },
    (err: unknown) => fail(1, (err as Error).stack ?? String(err)),
  );
}
