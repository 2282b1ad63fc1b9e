import { availableParallelism, hostname } from 'node:os';
import { z } from 'zod';
import { clientTlsSchema, connectionLimitsSchema, isLoopbackListen, loadConfig, serverTlsSchema, type EnvOverrides } from '@nightshift/proto';

const perOp = (fallback: number, attention = fallback) =>
  z
    .object({
      minhash: z.coerce.number().int().positive().default(fallback),
      embed: z.coerce.number().int().positive().default(fallback),
      attention: z.coerce.number().int().positive().default(attention),
    })
    .prefault({});

export const workerConfigSchema = z.object({
  /** Unique in the fleet; defaults to host-pid. */
  id: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** host:port of the WorkerService (port 0 picks a free one). */
  listen: z.string().min(1).default('127.0.0.1:50061'),
  /** What the worker runs on, for routing and pricing (a GPU model, or "cpu"). */
  workerClass: z.string().min(1).default('cpu'),
  /** A scheduler's host:port to register with (any replica); unset: the scheduler's config lists this worker. */
  scheduler: z.string().regex(/^[^\s/]+:\d{1,5}$/, 'must be host:port').optional(),
  /** host:port schedulers dial, when it is not the listen address (a pod's IP, say). */
  advertise: z.string().regex(/^[^\s/]+:\d{1,5}$/, 'must be host:port').optional(),
  /** host:port of its Prometheus endpoint (GET /metrics); empty: none. */
  metricsListen: z.string().regex(/^$|^[^\s/]+:\d{1,5}$/, 'must be host:port, or empty for none').default(''),
  /** Batches it asks to be sent at once. */
  maxBatchesInFlight: z.coerce.number().int().min(1).max(64).default(2),
  /** on-demand, or spot: capacity that can be taken back (a SIGTERM then hands back what drainSeconds does not finish). */
  pool: z.enum(['on-demand', 'spot']).default('on-demand'),
  /** Which kernels: the native addon when it loads (auto), only the addon (native), or the TypeScript reference (ts). */
  kernels: z.enum(['auto', 'native', 'ts']).default('auto'),
  /** Kernel threads; the cores this worker is given. */
  threads: z.coerce.number().int().min(1).max(1024).default(availableParallelism()),
  limits: z
    .object({
      /** Tokens one RunBatch may carry in all. */
      maxBatchTokens: z.coerce.number().int().positive().default(4_000_000),
      /** Jobs one RunBatch may carry. */
      maxBatchJobs: z.coerce.number().int().positive().default(4096),
      /** Longest sequence per op this worker accepts; a longer job fails here with a message. */
      maxSequenceLength: perOp(1_000_000, 262_144),
    })
    .prefault({}),
  /**
   * TLS of the WorkerService. With clientCa (mutual TLS), only schedulers holding a certificate that
   * CA signed can send batches. Unset: plaintext.
   */
  tls: serverTlsSchema,
  /** TLS to the scheduler it registers with: the CA of the scheduler's certificate (and a client certificate, if it asks for one). */
  schedulerTls: clientTlsSchema,
  /** The worker API key it registers with, when the scheduler checks keys (auth.keys, role worker). */
  apiKey: z.string().min(1).optional(),
  /**
   * SHA-256 (hex) of the secret schedulers send with every RunBatch (their dispatchSecret): a batch
   * without it is refused UNAUTHENTICATED. The hash only, as with API keys.
   */
  dispatchSecretSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256, 64 hex digits').optional(),
  /** Take batches from anyone who can reach a non-loopback listen address, with neither mutual TLS nor a dispatch secret. */
  allowUnauthenticatedDispatch: z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes'].includes(v.toLowerCase()) : v), z.boolean()).default(false),
  /** Connections of the gRPC port and of the metrics port: caps per address and in all, deadlines, keepalive. */
  connections: connectionLimitsSchema,
  /** Seconds a draining worker gives its batches to finish; the rest are handed back (ABORTED) to run elsewhere. */
  drainSeconds: z.coerce.number().min(0).default(30),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).refine(
  // RunBatch carries tenants' tokens and its replies become their results: beyond loopback it needs a proof of the caller.
  (c) => isLoopbackListen(c.listen) || Boolean(c.tls?.clientCa) || Boolean(c.dispatchSecretSha256) || c.allowUnauthenticatedDispatch,
  {
    path: ['dispatchSecretSha256'],
    message:
      "the worker listens beyond loopback, where anyone could send it batches: set dispatchSecretSha256 (NIGHTSHIFT_DISPATCH_SECRET_SHA256, the SHA-256 of the schedulers' dispatchSecret), or tls.clientCa (mutual TLS), or allowUnauthenticatedDispatch: true to accept that risk",
  },
);

export type WorkerConfig = z.output<typeof workerConfigSchema>;

export const WORKER_ENV: EnvOverrides = {
  NIGHTSHIFT_WORKER_ID: 'id',
  NIGHTSHIFT_WORKER_LISTEN: 'listen',
  NIGHTSHIFT_WORKER_CLASS: 'workerClass',
  NIGHTSHIFT_WORKER_POOL: 'pool',
  NIGHTSHIFT_SCHEDULER: 'scheduler',
  NIGHTSHIFT_WORKER_ADVERTISE: 'advertise',
  NIGHTSHIFT_WORKER_METRICS_LISTEN: 'metricsListen',
  NIGHTSHIFT_WORKER_THREADS: 'threads',
  NIGHTSHIFT_KERNELS: 'kernels',
  NIGHTSHIFT_API_KEY: 'apiKey',
  NIGHTSHIFT_DISPATCH_SECRET_SHA256: 'dispatchSecretSha256',
  NIGHTSHIFT_ALLOW_UNAUTHENTICATED_DISPATCH: 'allowUnauthenticatedDispatch',
  LOG_LEVEL: 'logLevel',
};

export function loadWorkerConfig(file?: string, env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return loadConfig(workerConfigSchema, { file, env, overrides: WORKER_ENV });
}
