#!/usr/bin/env node
import { configPathFromArgs, ConfigError, createLogger } from '@nightshift/proto';
import { loadSchedulerConfig } from './config/scheduler-config.js';
import { startScheduler } from './start-scheduler.js';

// nightshift-scheduler [--config FILE]   (or NIGHTSHIFT_CONFIG=FILE)
async function main(): Promise<void> {
  let config;
  try {
    config = loadSchedulerConfig(configPathFromArgs(process.argv.slice(2), 'NIGHTSHIFT_CONFIG'));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`nightshift-scheduler: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('scheduler', config.logLevel);
  const scheduler = await startScheduler(config, log);
  // One line on stdout for whoever started us to read the bound address.
  process.stdout.write(`${JSON.stringify({ ready: true, address: scheduler.address })}\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down');
      void scheduler.stop().then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`nightshift-scheduler: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
