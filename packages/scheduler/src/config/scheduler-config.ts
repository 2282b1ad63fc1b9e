import { z } from 'zod';
import { clientTlsSchema, connectionLimitsSchema, loadConfig, serverTlsSchema, type EnvOverrides } from '@nightshift/proto';
import { BucketPlan } from '../batching/index.js';
import { validCron, validTimezone } from '../calendar/index.js';

const coefficients = (a: number, b: number, c: number) =>
  z.object({ a: z.number().default(a), b: z.number().default(b), c: z.number().default(c) }).prefault({});

/** A tenant's limits; unset fields take limits.defaults. */
const tenantLimits = z.object({
  /** Longest job, tokens (jobs.maxTokensPerJob bounds it for everyone). */
  maxTokensPerJob: z.coerce.number().int().positive().optional(),
  /** Tokens admitted per minute, as a token bucket holding one minute's worth; 0: no limit. */
  tokensPerMinute: z.coerce.number().int().min(0).optional(),
  /** US dollars per budget period; 0: no budget. */
  budget: z.coerce.number().min(0).optional(),
  budgetPeriod: z.enum(['hour', 'day', 'week', 'month']).optional(),
  /** Jobs the tenant may have waiting (QUEUED or DEFERRED); unset: limits.tenantQueueShare of limits.maxQueuedJobs. */
  maxQueuedJobs: z.coerce.number().int().positive().optional(),
  /** Tokens the tenant's unfinished jobs may hold in Redis (a record keeps its tokens until it is final); 0: no limit. */
  maxTokensHeld: z.coerce.number().int().min(0).optional(),
});

/** A capacity window of the calendar; its prices are in pricing.classes[class][name]. */
const windowSpec = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and -').refine((n) => n !== 'on-demand', 'on-demand is always open, not a window'),
  /** Five-field cron: when each opening starts, in `timezone`. */
  start: z.string().refine(validCron, 'must be a five-field cron expression'),
  durationMinutes: z.coerce.number().int().min(1).max(7 * 24 * 60),
  timezone: z.string().refine(validTimezone, 'must be an IANA time zone').default('UTC'),
  /** Its capacity can be taken back: only spot workers serve it. */
  spot: z.boolean().default(false),
  /** Workers it brings, for deferral's room check; unset: the configured workers of its pool. */
  workers: z.coerce.number().int().min(0).optional(),
});

/** scheme://host[:port], as browsers send it in the Origin header (lower case, no default port, no path). */
const originSchema = z
  .string()
  .url()
  .refine((o) => {
    const u = new URL(o);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search && !u.hash && !u.username;
  }, 'must be an origin: http(s)://host[:port], no path')
  .transform((o) => new URL(o).origin);

const workerEntry = z.object({
  id: z.string().min(1),
  /** host:port of its WorkerService. */
  address: z.string().min(1),
  /** Batches sent to it at once. */
  maxBatchesInFlight: z.coerce.number().int().min(1).max(64).default(2),
  /** Its class (a GPU model, or cpu): what its cost model and prices are kept by. */
  workerClass: z.string().min(1).default('cpu'),
  /** Most padded tokens it takes in one batch (below batching.maxPaddedTokens to lower it for this worker). */
  maxPaddedTokens: z.coerce.number().int().min(1).optional(),
  /** on-demand: always serves; spot: serves only while a spot window is open, and may be taken back. */
  pool: z.enum(['on-demand', 'spot']).default('on-demand'),
});

/** Accepts a list or, from the environment, "id=host:port,id=host:port". */
const workerList = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [id, address] = s.includes('=') ? s.split('=', 2) : [s, s];
      return { id, address };
    });
}, z.array(workerEntry));

export const schedulerConfigSchema = z.object({
  /** host:port of the JobService (port 0 picks a free one). */
  listen: z.string().min(1).default('127.0.0.1:50051'),
  redisUrl: z.string().url().default('redis://127.0.0.1:6379'),
  /** redisUrl is one node of a Redis Cluster: every queue and tenant keeps its keys in one slot (hash tags), spread over the nodes. */
  redisCluster: z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes'].includes(v.toLowerCase()) : v), z.boolean()).default(false),
  /** host:port of the Prometheus endpoint (GET /metrics) and of the dashboard (GET /dashboard, admin key only); empty: neither. */
  metricsListen: z.string().regex(/^$|^[^\s/]+:\d{1,5}$/, 'must be host:port, or empty for none').default(''),
  /** Distinct tenants /metrics labels by name (auth.keys' first); the rest are counted together under tenant="_other". */
  metricsMaxTenants: z.coerce.number().int().min(1).default(1000),
  /** TLS of the JobService and RegistryService (with clientCa: clients must present certificates that CA signed). Unset: plaintext. */
  tls: serverTlsSchema,
  /** TLS of the metrics port (GET /metrics and the dashboard): HTTPS, and the dashboard's cookie is Secure. Unset: plain HTTP. */
  metricsTls: serverTlsSchema,
  /** TLS to the workers: their certificates' CA, and this scheduler's client certificate for mutual TLS. Unset: plaintext. */
  workerTls: clientTlsSchema,
  /** Sent with every RunBatch (x-nightshift-dispatch-secret) to workers whose dispatchSecretSha256 is its hash; unset: none sent. */
  dispatchSecret: z.string().min(16, 'at least 16 characters').optional(),
  /** Connections of the gRPC port and of the metrics/dashboard port: caps per address and in all, deadlines, keepalive. */
  connections: connectionLimitsSchema,
  /**
   * API keys, stored as SHA-256 hashes (`nightshift keys new` makes one). With any key here, every
   * call must carry "authorization: Bearer <key>" and acts for its key's tenant; an admin key acts
   * for the tenant its x-nightshift-tenant header names; a worker key may only register the worker ids it is bound to.
   * Empty: no authentication, the x-nightshift-tenant header says who calls (development only).
   */
  auth: z
    .object({
      keys: z
        .array(
          z
            .object({
              tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
              sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256, 64 hex digits'),
              role: z.enum(['tenant', 'admin', 'worker']).default('tenant'),
              /** A worker key: the worker ids it may register, heartbeat and deregister; `*` matches any run of id characters (nightshift-worker-*). */
              workers: z.array(z.string().regex(/^[A-Za-z0-9._*-]{1,253}$/, 'must be a worker id, with * for any run of id characters')).min(1).optional(),
            })
            .refine((k) => k.role !== 'worker' || k.workers, { message: 'a worker key must list the worker ids it may use in "workers"', path: ['workers'] })
            .refine((k) => k.role === 'worker' || !k.workers, { message: 'only a worker key lists workers', path: ['workers'] }),
        )
        .default([]),
    })
    .prefault({}),
  /** Sign-in to the dashboard (see dashboard/): sessions, origins, and failed attempts. */
  dashboard: z
    .object({
      /** How long a sign-in lasts: its session's TTL in Redis and its cookie's Max-Age. */
      sessionSeconds: z.coerce.number().int().min(60).max(30 * 86_400).default(12 * 3600),
      /** Mark the session cookie Secure, and take the page's origin as https, on a plain-HTTP port: behind a proxy that terminates TLS. */
      secureCookies: z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes'].includes(v.toLowerCase()) : v), z.boolean()).default(false),
      /** Origins besides the port's own (its scheme and Host header) whose pages may sign in and out, e.g. a proxy's public https://host. */
      allowedOrigins: z.array(originSchema).default([]),
      /** Failed sign-ins one address (an IPv6 /64) may make in a window; past it, every sign-in from there is 429 until the window ends. */
      maxFailedLogins: z.coerce.number().int().min(1).default(10),
      failedLoginWindowSeconds: z.coerce.number().int().min(1).default(300),
    })
    .prefault({}),
  /** Prefix of every Redis key: BullMQ's queues and nightshift's own keys. */
  prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only').default('ns'),
  /** Worker nodes at fixed addresses; workers that register themselves (RegistryService) join these. */
  workers: workerList.default([]),
  /** Self-registration: workers register with any replica and keep a lease alive with heartbeats. */
  registry: z
    .object({
      /** A worker whose last heartbeat is this old is dropped, and its batches out run elsewhere. */
      leaseSeconds: z.coerce.number().int().min(1).default(10),
      /** How often workers are told to heartbeat. */
      heartbeatSeconds: z.coerce.number().int().min(1).default(3),
      /** How often each replica reads the fleet from Redis. */
      syncMs: z.coerce.number().int().min(50).default(1000),
      /** Workers found by watching their pods (each replica watches). */
      kubernetes: z
        .object({
          enabled: z.boolean().default(false),
          /** Namespace of the worker pods; default: the context's (in a cluster, the scheduler's own). */
          namespace: z.string().optional(),
          labelSelector: z.string().min(1).default('app.kubernetes.io/component=nightshift-worker'),
          /** The WorkerService port, when the pod has no container port named "grpc". */
          port: z.coerce.number().int().min(1).max(65535).default(50061),
          /** A kubeconfig file; unset: the in-cluster service account, else ~/.kube/config. */
          kubeconfig: z.string().optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  jobs: z
    .object({
      /** Attempts of a job that does not ask for its own. */
      defaultAttempts: z.coerce.number().int().min(1).max(20).default(3),
      /** First retry delay; doubles each attempt. */
      backoffMs: z.coerce.number().int().min(0).default(500),
      maxTokensPerJob: z.coerce.number().int().positive().default(1_000_000),
      /** Bytes of text one job may carry before tokenization. */
      maxTextBytes: z.coerce.number().int().positive().default(16 * 1024 * 1024),
      /**
       * A text of more bytes than its tenant's maxTokensPerJob times this is refused before it is
       * tokenized. Prose runs 3 to 5 bytes a token; the longest token is 128 bytes (128 spaces).
       */
      maxBytesPerToken: z.coerce.number().int().min(1).max(128).default(32),
      /** How long a finished job stays readable. */
      retentionSeconds: z.coerce.number().int().positive().default(7 * 24 * 3600),
    })
    .prefault({}),
  /**
   * Open streams each replica allows, per tenant and per API key (RESOURCE_EXHAUSTED past them),
   * how long a SubmitStream may send nothing, and how far a watcher may fall behind before its
   * watch is ended.
   */
  streams: z
    .object({
      /** WatchJobs streams of given jobs (a pipeline holds one per thousand jobs in flight). */
      watchesPerTenant: z.coerce.number().int().min(1).default(256),
      watchesPerKey: z.coerce.number().int().min(1).default(256),
      /** WatchJobs streams of all a tenant's jobs: each is sent every event, so they are few. */
      allJobsWatchesPerTenant: z.coerce.number().int().min(1).default(8),
      submitStreamsPerTenant: z.coerce.number().int().min(1).default(32),
      submitStreamsPerKey: z.coerce.number().int().min(1).default(64),
      /** A SubmitStream that sends no message this long is ended (DEADLINE_EXCEEDED); what it sent before is answered. */
      submitIdleSeconds: z.coerce.number().gt(0).default(60),
      /**
       * Events a watch may hold unsent (its reader too slow for them): past it for slowReaderSeconds,
       * or past 8 times it at once, the watch ends RESOURCE_EXHAUSTED. At least a watch's snapshot
       * (1,000 jobs) and a turn of deliveries (256).
       */
      maxUnsentEvents: z.coerce.number().int().min(1536).default(2048),
      slowReaderSeconds: z.coerce.number().min(0).default(30),
    })
    .prefault({}),
  /** Results kept by content (op, params, tokens): a job computed before takes its result and does not run. */
  cache: z
    .object({
      enabled: z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes'].includes(v.toLowerCase()) : v), z.boolean()).default(true),
      /** tenant: a tenant reuses only its own results; shared: any tenant's (equal content, equal result). */
      scope: z.enum(['tenant', 'shared']).default('tenant'),
      /** How long a result is kept after it was computed. */
      retentionSeconds: z.coerce.number().int().positive().default(7 * 24 * 3600),
    })
    .prefault({}),
  batching: z
    .object({
      /** Jobs in one batch. */
      maxBatchJobs: z.coerce.number().int().min(1).max(4096).default(64),
      /** Batch size × longest sequence; a longer single job runs alone. */
      maxPaddedTokens: z.coerce.number().int().positive().default(262_144),
      /** Longest a job waits for batch-mates while its worker is busy anyway, ms. */
      maxQueueDelayMs: z.coerce.number().int().min(0).default(5),
      /** Waiting this long raises a job's priority by one, so that low priorities do not starve (0: never). */
      agingMsPerPriority: z.coerce.number().int().min(0).default(1000),
      /** Queues, one per op and range of lengths: bounds from `first`, each `ratio` times the last, up to jobs.maxTokensPerJob. */
      queues: z
        .object({ first: z.coerce.number().int().min(1).default(64), ratio: z.coerce.number().gt(1).max(16).default(2) })
        .prefault({}),
      /** Length buckets within the queues: only jobs of one bucket share a batch. */
      buckets: z
        .object({
          /** geometric: fixed bounds, each `ratio` times the last; adaptive: fitted to the lengths seen. */
          mode: z.enum(['geometric', 'adaptive']).default('geometric'),
          ratio: z.coerce.number().gt(1).max(16).default(1.1),
          /** adaptive: buckets per op. */
          count: z.coerce.number().int().min(1).max(1024).default(64),
          /** adaptive: refit after this many jobs of the op. */
          every: z.coerce.number().int().min(1).default(5000),
          /** adaptive: the last this many lengths are fitted. */
          sample: z.coerce.number().int().min(1).default(20_000),
          /** adaptive: new bounds are adopted only if they cut padding by this share (no flapping). */
          minGain: z.coerce.number().min(0).max(1).default(0.1),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Batch objects (BatchService): corpora as one object, stored in chunks and run in units. */
  batches: z
    .object({
      /** Items one batch may hold. */
      maxItems: z.coerce.number().int().min(1).max(16_777_216).default(10_000_000),
      /** Items sorted and cut into units at once (whole upload chunks of up to 4096); memory holds one such window. */
      planWindowItems: z.coerce.number().int().min(1).default(65_536),
      /** Token bytes a planning window holds at most. */
      planWindowBytes: z.coerce.number().int().min(1).default(16 * 1024 * 1024),
      /** Items in one unit (one RunBatch). */
      unitMaxItems: z.coerce.number().int().min(1).max(4096).default(4096),
      /** Padded tokens in one unit, all its kernel batches together (lowered to the smallest budget a worker of the op advertises). */
      unitMaxPaddedTokens: z.coerce.number().int().min(1).default(4_000_000),
      /**
       * What one more kernel batch inside a unit costs, in padded tokens (a kernel call): higher makes fewer,
       * fuller batches with more padding; 0 would make every item a batch of its own.
       */
      batchCostTokens: z.coerce.number().int().min(0).default(256),
      /** Items in one kernel batch inside a unit (planning looks this far back for each cut: it bounds its time too). */
      batchMaxItems: z.coerce.number().int().min(1).max(4096).default(512),
      /** Units of one batch released to the queue ahead of those done: batches alternate on the workers. */
      unitsAhead: z.coerce.number().int().min(1).default(4),
      /** Results in one GetBatchResults message. */
      resultsPerMessage: z.coerce.number().int().min(1).max(4096).default(256),
      /** An upload that stores nothing for this long is cancelled (a client that went away for good). */
      uploadIdleSeconds: z.coerce.number().int().min(1).default(86_400),
      /** How often WatchBatch and GetBatchResults look again, and the sweeper releases units and deferred batches, ms. */
      pollMs: z.coerce.number().int().min(10).default(250),
    })
    .prefault({}),
  dispatch: z
    .object({
      /** Lock on a batch while it is out; renewed every third of it. */
      lockMs: z.coerce.number().int().min(1000).default(30_000),
      /** Longest a RunBatch may take before its jobs are retried elsewhere. */
      batchTimeoutMs: z.coerce.number().int().min(100).default(600_000),
      /** How long a worker that failed a batch is left alone. */
      workerBackoffMs: z.coerce.number().int().min(0).default(2_000),
      /** Times a batch may be found stalled (its dispatcher died) before BullMQ gives up on it. */
      maxStalledCount: z.coerce.number().int().min(0).default(5),
      /** How often to look for queues that other replicas started filling. */
      discoverMs: z.coerce.number().int().min(50).default(1000),
      /** Longest an idle queue waits before it looks again (wake-ups come by pub/sub; this catches any missed). */
      idlePollMs: z.coerce.number().int().min(10).default(1000),
    })
    .prefault({}),
  pricing: z
    .object({
      /** Dollars per worker-hour (per GPU-hour on GPU workers) of each worker class in each window; "on-demand" is always open. */
      classes: z.record(z.string(), z.record(z.string(), z.number().min(0))).default({ cpu: { 'on-demand': 0.1 } }),
      /** What a fresh system quotes with, per op: seconds = e^a · padded tokens^b · longest sequence^c. */
      prior: z
        .object({ minhash: coefficients(-17.7, 1, 0), embed: coefficients(-16.6, 1, 0), attention: coefficients(-20.7, 1, 1) })
        .prefault({}),
      /** How far batches may move the prior: variances of a, and of b and c (larger learns faster). */
      priorVariance: z.object({ a: z.number().positive().default(4), bc: z.number().positive().default(0.25) }).prefault({}),
      /** Weight kept by what was learned at each new batch (1 forgets nothing; 0.99 remembers about 100 batches). */
      forgetting: z.number().gt(0).max(1).default(0.99),
    })
    .prefault({}),
  /**
   * Fair sharing of the fleet between tenants (issue 20): each tenant's recent use, in worker-seconds
   * decayed with a half-life, against its weight.
   */
  fairShare: z
    .object({
      /**
       * Dispatch by fair share: each tenant's jobs wait in pending sets of their own, and a freed
       * worker slot goes to the tenant furthest below its weighted share, across queues and between
       * jobs and batch objects' units. Off: tenants' jobs share pending sets and batches, in
       * priority and age order. Usage is measured and reported either way.
       */
      enabled: z.boolean().default(true),
      /** Work done this long ago counts half (Slurm's PriorityDecayHalfLife). */
      halfLifeSeconds: z.coerce.number().positive().default(3600),
      /**
       * Per tenant: its weight (default 1): its share of the fleet is its weight over the weights
       * of the tenants using it; and maxShare (default 1): the most of a pool's worker slots its
       * work holds at once, even when the rest are idle (at least one; counted by each replica).
       */
      tenants: z
        .record(z.string(), z.object({ weight: z.coerce.number().positive().default(1), maxShare: z.coerce.number().gt(0).max(1).default(1) }).strict())
        .default({}),
      /**
       * Groups of tenants (a team with several keys): a group takes its share of the fleet by its
       * weight, and its tenants share that by theirs. A tenant in no group is a group of its own.
       */
      groups: z.record(z.string(), z.object({ weight: z.coerce.number().positive().default(1), tenants: z.array(z.string().min(1)).min(1) }).strict()).default({}),
    })
    .superRefine((f, ctx) => {
      const seen = new Map<string, string>();
      for (const [group, g] of Object.entries(f.groups)) {
        for (const t of g.tenants) {
          if (seen.has(t)) ctx.addIssue({ code: 'custom', path: ['groups', group, 'tenants'], message: `tenant ${t} is in groups ${seen.get(t)} and ${group}: a tenant is in one group at most` });
          seen.set(t, group);
        }
      }
    })
    .prefault({}),
  limits: z
    .object({
      /** Every tenant's limits, unless its own entry in `tenants` says otherwise. */
      defaults: tenantLimits
        .extend({
          tokensPerMinute: z.coerce.number().int().min(0).default(0),
          budget: z.coerce.number().min(0).default(0),
          budgetPeriod: z.enum(['hour', 'day', 'week', 'month']).default('day'),
          // 50 M tokens, 200 MB of Redis a tenant: 50 jobs of the longest (jobs.maxTokensPerJob) waiting at once.
          maxTokensHeld: z.coerce.number().int().min(0).default(50_000_000),
        })
        .prefault({}),
      tenants: z.record(z.string(), tenantLimits).default({}),
      /** Jobs waiting for a batch, all tenants together: above it, RESOURCE_EXHAUSTED. */
      maxQueuedJobs: z.coerce.number().int().min(1).default(1_000_000),
      /** Share of maxQueuedJobs one tenant may hold waiting, unless its maxQueuedJobs says otherwise: one tenant cannot lock out the rest. */
      tenantQueueShare: z.coerce.number().gt(0).max(1).default(0.5),
      alerts: z
        .object({
          /** POSTed a JSON body for every alert (budget thresholds, model error); retried, never blocking admission. */
          webhookUrl: z.string().url().optional(),
          /** Share of its budget a tenant's spend and reservations cross for an alert, each once per period. */
          budgetThresholds: z.array(z.number().gt(0).max(10)).default([0.5, 0.8, 1]),
          /** A cost model whose recent error (mean absolute percentage) rises above this raises an alert, once a day. */
          modelError: z.coerce.number().positive().default(0.5),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Capacity windows besides on-demand (off-peak, spot), each priced in pricing.classes. */
  calendar: z.array(windowSpec).default([]),
  /** Which jobs wait for a cheaper window (jobs with a deadline only). */
  deferral: z
    .object({
      /** A job quoted at least this much to run now, US dollars, is heavy: it may wait. 0 makes every job with a deadline heavy. */
      heavyPrice: z.coerce.number().min(0).default(0.01),
      /** A plan must finish this long before the job's deadline (room for the cost model's error). */
      marginMinutes: z.coerce.number().min(0).default(60),
      /** Times a spot worker's preemption may hand a job back before it falls back to on-demand. */
      maxPreemptions: z.coerce.number().int().min(0).default(2),
    })
    .prefault({}),
  /** Threads that tokenize long texts and bulk uploads off the event loop; 0: one a core. */
  tokenizerThreads: z.coerce.number().int().min(0).max(64).default(0),
  /** Long texts one tenant may have waiting for the tokenizer threads (RESOURCE_EXHAUSTED beyond); tenants are served in turn. */
  tokenizerQueuePerTenant: z.coerce.number().int().min(1).default(64),
  /** Seconds in-flight batches get to return on SIGTERM. */
  drainSeconds: z.coerce.number().min(0).default(30),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine((c, ctx) => {
  // The queues' bounds run from batching.queues.first up to the longest job: a longest job below the first bound leaves no queue.
  if (c.jobs.maxTokensPerJob < c.batching.queues.first) {
    ctx.addIssue({ code: 'custom', path: ['jobs', 'maxTokensPerJob'], message: `must be at least batching.queues.first (${c.batching.queues.first}), not ${c.jobs.maxTokensPerJob}` });
  }
});

export type SchedulerConfig = z.output<typeof schedulerConfigSchema>;
export type WorkerEntry = z.output<typeof workerEntry>;

export const SCHEDULER_ENV: EnvOverrides = {
  NIGHTSHIFT_LISTEN: 'listen',
  REDIS_URL: 'redisUrl',
  NIGHTSHIFT_REDIS_CLUSTER: 'redisCluster',
  NIGHTSHIFT_METRICS_LISTEN: 'metricsListen',
  NIGHTSHIFT_PREFIX: 'prefix',
  NIGHTSHIFT_WORKERS: 'workers',
  NIGHTSHIFT_CACHE: 'cache.enabled',
  NIGHTSHIFT_DISPATCH_SECRET: 'dispatchSecret',
  LOG_LEVEL: 'logLevel',
};

export function loadSchedulerConfig(file?: string, env: NodeJS.ProcessEnv = process.env): SchedulerConfig {
  return loadConfig(schedulerConfigSchema, { file, env, overrides: SCHEDULER_ENV });
}

/** The schema's defaults with some fields set: for tests and the demo. */
export function schedulerConfig(partial: Record<string, unknown>): SchedulerConfig {
  return schedulerConfigSchema.parse(partial);
}

/** The queues and buckets this configuration asks for. */
export function bucketPlan(config: SchedulerConfig): BucketPlan {
  return new BucketPlan({ queues: config.batching.queues, buckets: config.batching.buckets, maxLength: config.jobs.maxTokensPerJob });
}
