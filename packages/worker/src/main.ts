#!/usr/bin/env node
import { configPathFromArgs, ConfigError, createLogger } from '@nightshift/proto';
import { loadWorkerConfig } from './config/worker-config.js';
import { startWorker } from './start-worker.js';

// nightshift-worker [--config FILE]   (or NIGHTSHIFT_WORKER_CONFIG=FILE)
async function main(): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig(configPathFromArgs(process.argv.slice(2), 'NIGHTSHIFT_WORKER_CONFIG'));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`nightshift-worker: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('worker', config.logLevel, { workerId: config.id });
  const worker = await startWorker(config, log);
  // One line on stdout for whoever started us (the demo, the tests) to read the bound address.
  process.stdout.write(`${JSON.stringify({ ready: true, id: worker.id, address: worker.address })}\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'draining');
      void worker.stop().then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`nightshift-worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
