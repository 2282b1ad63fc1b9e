#!/usr/bin/env node
// nightshift-scheduler [--config FILE]   (or NIGHTSHIFT_CONFIG=FILE)
import { runServiceMain } from '@nightshift/proto';
import { loadSchedulerConfig } from './config/scheduler-config.js';
import { startScheduler } from './start-scheduler.js';

runServiceMain({
  name: 'nightshift-scheduler',
  configEnvVar: 'NIGHTSHIFT_CONFIG',
  load: (file) => loadSchedulerConfig(file),
  start: async (config, log) => {
    const scheduler = await startScheduler(config, log);
    return { ready: { address: scheduler.address, ...(scheduler.metricsAddress ? { metricsAddress: scheduler.metricsAddress } : {}) }, stop: scheduler.stop };
  },
});
