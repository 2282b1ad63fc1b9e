import * as grpc from '@grpc/grpc-js';
import {
  loadNightshift, type Job__Output, type JobEvent__Output, type JobServiceClient, type JobSpec, type ListJobsRequest, type BatchGetJobsResponse__Output, type Fleet__Output, type PurgeCacheResponse__Output,
  type ListJobsResponse__Output, type QuoteResponse__Output, type Usage__Output, type SubmitResponse__Output, type SubmitStreamRequest, type SubmitStreamResponse__Output, type JobState,
} from '@nightshift/proto';
import { TENANT_HEADER } from '../api/index.js';

/** The states a job ends in, as the API names them: what a client waiting for results watches for. */
export const FINAL_API_STATES = ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'] as const satisfies readonly JobState[];

/** What every call of a client sends: the tenant header ('' sends none) and the API key ("authorization: Bearer <key>"). */
export function callerMetadata(tenant: string, apiKey?: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (tenant) metadata.set(TENANT_HEADER, tenant);
  if (apiKey) metadata.set('authorization', `Bearer ${apiKey}`);
  return metadata;
}

/** A JobService client for one tenant, with promises and async iterables instead of callbacks. */
export class JobClient {
  readonly raw: JobServiceClient;
  /** What every call sends: the tenant header and the API key. */
  readonly metadata: grpc.Metadata;

  /**
   * `tenant` is sent as the tenant header ('' sends none: the API key says who calls). With an API
   * key, calls carry "authorization: Bearer <key>"; `credentials` carries TLS.
   */
  constructor(address: string, tenant: string, opts: { credentials?: grpc.ChannelCredentials; apiKey?: string } = {}) {
    const Client = loadNightshift().grpcObject.nightshift.v1.JobService;
    this.raw = new Client(address, opts.credentials ?? grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    this.metadata = callerMetadata(tenant, opts.apiKey);
  }

  private unary<Req, Res>(method: Function, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(this.raw, req, this.metadata, (err: grpc.ServiceError | null, res?: Res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  async submit(job: JobSpec): Promise<Job__Output> {
    const res = await this.unary<{ job: JobSpec }, SubmitResponse__Output>(this.raw.submit, { job });
    if (!res.job) throw new Error('Submit returned no job');
    return res.job;
  }

  getJob(jobId: string, omitResult = false): Promise<Job__Output> {
    return this.unary<object, Job__Output>(this.raw.getJob, { jobId, omitResult });
  }

  /** Up to 1000 jobs, in the order asked. */
  async batchGetJobs(jobIds: string[], omitResult = false): Promise<Job__Output[]> {
    return (await this.unary<object, BatchGetJobsResponse__Output>(this.raw.batchGetJobs, { jobIds, omitResult })).jobs;
  }

  /** Admin keys only: the workers and every tenant's usage. */
  getFleet(): Promise<Fleet__Output> {
    return this.unary<object, Fleet__Output>(this.raw.getFleet, {});
  }

  /** Admin keys only: removes every cached result the worker computed. */
  purgeCache(workerId: string): Promise<PurgeCacheResponse__Output> {
    return this.unary<object, PurgeCacheResponse__Output>(this.raw.purgeCache, { workerId });
  }

  cancelJob(jobId: string): Promise<Job__Output> {
    return this.unary<object, Job__Output>(this.raw.cancelJob, { jobId });
  }

  /** The tenant's spend, reservations, budget and tokens, this budget period and the last. */
  getUsage(): Promise<Usage__Output> {
    return this.unary<object, Usage__Output>(this.raw.getUsage, {});
  }

  /** What a job would cost in each window, and when it would finish, without submitting it. */
  quote(job: JobSpec): Promise<QuoteResponse__Output> {
    return this.unary<{ job: JobSpec }, QuoteResponse__Output>(this.raw.quote, { job });
  }

  listJobs(req: ListJobsRequest): Promise<ListJobsResponse__Output> {
    return this.unary<ListJobsRequest, ListJobsResponse__Output>(this.raw.listJobs, req);
  }

  /** Every job of the tenant (in `states`, if given), oldest first, paging through ListJobs. */
  async listAllJobs(states: ListJobsRequest['states'] = []): Promise<Job__Output[]> {
    const jobs: Job__Output[] = [];
    let pageToken = '';
    do {
      const page = await this.listJobs({ states, pageSize: 1000, pageToken });
      jobs.push(...page.jobs);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return jobs;
  }

  /** State changes of the given jobs (or all the tenant's jobs); ends when the server ends the stream. */
  /** Follows jobs (none: all the tenant's); `states` keeps only changes into those (none: all). */
  watchJobs(jobIds: string[], states: readonly JobState[] = []): grpc.ClientReadableStream<JobEvent__Output> & AsyncIterable<JobEvent__Output> {
    return this.raw.watchJobs({ jobIds, states: [...states] }, this.metadata) as grpc.ClientReadableStream<JobEvent__Output> & AsyncIterable<JobEvent__Output>;
  }

  /**
   * Resolves once the scheduler has subscribed `watch` (its headers arrive then): every change
   * made after this reaches it. Rejects if the watch fails first.
   */
  static subscribed(watch: grpc.ClientReadableStream<unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      watch.once('metadata', () => resolve());
      watch.once('status', (s: grpc.StatusObject) => (s.code === grpc.status.OK ? resolve() : reject(new Error(`watch ended: ${s.details}`))));
    });
  }

  /**
   * Submits many jobs over one SubmitStream, at most `window` unanswered at
   * once; calls `onReply` for every reply and resolves when all are answered.
   */
  async submitMany(
    requests: AsyncIterable<SubmitStreamRequest> | Iterable<SubmitStreamRequest>,
    onReply: (reply: SubmitStreamResponse__Output) => void,
    window = 256,
  ): Promise<void> {
    const call = this.raw.submitStream(this.metadata);
    let outstanding = 0;
    let failed = false;
    let wake: (() => void) | undefined;
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (r: SubmitStreamResponse__Output) => {
        outstanding--;
        wake?.();
        onReply(r);
      });
      call.on('error', reject);
      call.on('end', resolve);
    });
    // A failed stream (the scheduler gone, say) takes no more writes, and never drains: stop sending.
    done.catch(() => {
      failed = true;
      wake?.();
    });
    for await (const req of requests) {
      while (outstanding >= window && !failed) await new Promise<void>((r) => (wake = r));
      if (failed) break;
      outstanding++;
      if (!call.write(req)) await Promise.race([new Promise((r) => call.once('drain', r)), done.catch(() => undefined)]);
    }
    call.end();
    await done;
  }

  close(): void {
    this.raw.close();
  }
}
