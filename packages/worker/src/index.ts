export { startWorker, type RunningWorker } from './start-worker.js';
export { loadWorkerConfig, workerConfigSchema, WORKER_ENV, type WorkerConfig } from './config/worker-config.js';
export type { KernelBackend, BatchInput, BatchOutput, JobOutput } from './backend/kernel-backend.js';
export { loadNative, NativeBackend, nativeParams, packBatch, type NativeAddon, type NativeBackendInfo } from './native/index.js';
export { TsBackend } from './backend/ts-backend.js';
