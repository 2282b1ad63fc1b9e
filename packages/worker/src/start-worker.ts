import { channelCredentials, createLogger, isLoopbackListen, listenHttp, loadNightshift, metricsRoute, OP_NAMES, serve, serverCredentials, tolerantDecoding, type Logger } from '@nightshift/proto';
import { Registration } from './registration/registration.js';
import type { WorkerConfig } from './config/worker-config.js';
import type { KernelBackend } from './backend/kernel-backend.js';
import { TsBackend } from './backend/ts-backend.js';
import { warmUp } from './backend/warm-up.js';
import { loadNative, NativeBackend } from './native/index.js';
import { WorkerService } from './service/worker-service.js';
import { WorkerMetrics } from './metrics/index.js';

/** The native kernels when they load, else the TypeScript reference, with one clear warning. */
function chooseBackend(config: WorkerConfig, log: Logger): KernelBackend {
  if (config.kernels === 'ts') return new TsBackend(config.threads);
  const native = loadNative();
  if (!native.addon) {
    if (config.kernels === 'native') throw new Error(`kernels: native was asked for but ${native.reason}`);
    log.warn({ reason: native.reason }, 'native kernels unavailable: running the TypeScript reference kernels (much slower)');
    return new TsBackend(config.threads);
  }
  const info = native.addon.init({ threads: config.threads });
  log.info({ backend: info.name, reason: info.reason, threads: info.threads }, 'native kernels');
  return new NativeBackend(native.addon, info);
}

export interface RunningWorker {
  id: string;
  /** host:port the WorkerService listens on. */
  address: string;
  /** host:port of GET /metrics, when metricsListen is set. */
  metricsAddress?: string;
  backend: string;
  /** Drain (refuse new batches, finish those taken within drainSeconds, hand back the rest), then stop serving. */
  stop(): Promise<void>;
}

/** Starts a worker node: the kernel backend, then the gRPC WorkerService with health and reflection. */
export async function startWorker(config: WorkerConfig, log: Logger = createLogger('worker', config.logLevel, { workerId: config.id })): Promise<RunningWorker> {
  const backend = chooseBackend(config, log);
  try {
    log.info({ ms: Math.round(await warmUp(backend)), batches: backend.kernelThreads }, 'kernels warmed up');
  } catch (err) {
    await backend.close();
    throw err;
  }
  // The gauge reads the service only when scraped, after it exists.
  const metrics: WorkerMetrics = new WorkerMetrics({ id: config.id, workerClass: config.workerClass, pool: config.pool, backend: backend.name }, (): number => service.batchesInFlight);
  const service: WorkerService = new WorkerService(config, backend, log, metrics);
  const { grpcObject } = loadNightshift();
  const serving = await serve(config.listen, (server) => {
    server.addService(tolerantDecoding(grpcObject.nightshift.v1.WorkerService.service), service.handlers());
    return ['nightshift.v1.WorkerService'];
  }, serverCredentials(config.tls), { 'grpc.max_receive_message_length': 256 * 1024 * 1024, interceptors: [metrics.grpcInterceptor] }, { limits: config.connections, log });
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const address = `${host}:${serving.port}`;
  const http = config.metricsListen ? await listenHttp(config.metricsListen, { '/metrics': metricsRoute(metrics.registry) }, log, { limits: config.connections }) : undefined;
  if (!isLoopbackListen(config.listen) && !config.tls?.clientCa && !config.dispatchSecretSha256) log.warn('allowUnauthenticatedDispatch: anyone who reaches this worker can send it batches and read their tokens');
  log.info({ address, metrics: http?.address, backend: backend.name, threads: config.threads, workerClass: config.workerClass, pool: config.pool }, 'worker serving');
  const registration = config.scheduler
    ? new Registration(config.scheduler, {
        id: config.id,
        address: config.advertise ?? address,
        workerClass: config.workerClass,
        pool: config.pool,
        ops: [...OP_NAMES],
        backend: backend.name,
        maxPaddedTokens: String(config.limits.maxBatchTokens),
        maxBatchesInFlight: config.maxBatchesInFlight,
      }, log, { credentials: channelCredentials(config.schedulerTls), ...(config.apiKey ? { apiKey: config.apiKey } : {}) })
    : undefined;
  registration?.start();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      serving.health.setStatus('', 'NOT_SERVING');
      // Out of the fleet first, so no new batch is sent while the ones taken finish.
      await registration?.drain();
      const drained = service.drain();
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.drainSeconds * 1000).unref());
      if ((await Promise.race([drained, timeout])) === 'timeout') log.warn({ handedBack: service.handBack() }, 'drain timed out: unfinished batches handed back');
      registration?.stop();
      await serving.shutdown(1000);
      await http?.close();
      await backend.close();
      log.info('worker stopped');
    })());
  return { id: config.id, address, ...(http ? { metricsAddress: http.address } : {}), backend: backend.name, stop };
}
