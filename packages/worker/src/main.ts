#!/usr/bin/env node
// nightshift-worker [--config FILE]   (or NIGHTSHIFT_WORKER_CONFIG=FILE)
import { runServiceMain } from '@nightshift/proto';
import { loadWorkerConfig } from './config/worker-config.js';
import { startWorker } from './start-worker.js';

runServiceMain({
  name: 'nightshift-worker',
  configEnvVar: 'NIGHTSHIFT_WORKER_CONFIG',
  load: (file) => loadWorkerConfig(file),
  bindings: (config) => ({ workerId: config.id }),
  start: async (config, log) => {
    const worker = await startWorker(config, log);
    return { ready: { id: worker.id, address: worker.address, ...(worker.metricsAddress ? { metricsAddress: worker.metricsAddress } : {}) }, stop: worker.stop };
  },
});
