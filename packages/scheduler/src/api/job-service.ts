import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type {
  CancelJobRequest__Output, GetJobRequest__Output, Job, JobEvent, JobServiceHandlers, ListJobsRequest__Output,
  GetUsageRequest__Output, ListJobsResponse, Logger, QuoteRequest__Output, Usage, QuoteResponse, SubmitRequest__Output, SubmitResponse, SubmitStreamRequest__Output, SubmitStreamResponse,
  WatchJobsRequest__Output, BatchGetJobsRequest__Output, BatchGetJobsResponse, GetFleetRequest__Output, Fleet, PurgeCacheRequest__Output, PurgeCacheResponse,
} from '@nightshift/proto';
import { isFinal, type JobStore } from '../jobs/index.js';
import type { Admission } from '../admission/index.js';
import type { EventHub, JobEventEntry } from '../events/index.js';
import { decodeEntry, type QueueSet } from '../queueing/index.js';
import type { Guardrails, PeriodUsage } from '../guardrails/index.js';
import type { DeferredWork } from '../windows/index.js';
import { loadNightshift, MalformedRequest, toTimestamp } from '@nightshift/proto';
import { ApiError, notFound, toStatus } from './api-error.js';
import type { ApiKeys } from '../auth/index.js';
import type { FlowMetrics } from '../metrics/index.js';
import type { ResultCache } from '../cache/index.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import { StreamQuota } from './stream-quota.js';
import { unary } from './unary.js';
import { batchGetJobsRequest, cancelJobRequest, getJobRequest, jobSpecSchema, listJobsRequest, parseRequest, purgeCacheRequest, watchJobsRequest } from './requests.js';
import { eventView, jobView, quoteView, snapshotEvent } from './job-view.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import type { TenantShare } from '../fairness/index.js';

export interface JobServiceDeps {
  store: JobStore;
  admission: Admission;
  events: EventHub;
  queues: QueueSet;
  guardrails: Guardrails;
  deferred: DeferredWork;
  maxTextBytes: number;
  /** Open streams allowed per tenant and key, how long a SubmitStream may be silent, how far a watcher may fall behind. */
  streams: SchedulerConfig['streams'];
  /** Who may call, and for which tenant. */
  auth: ApiKeys;
  /** Where computed results are kept, for PurgeCache. */
  cache: Pick<ResultCache, 'purge'>;
  /** The workers this replica dispatches to. */
  fleet: () => Array<{ id: string; pool: string; workerClass: string; inFlight: number; draining: boolean }>;
  /** Each tenant's share of the fleet against its target. */
  shares: () => Promise<TenantShare[]>;
  log: Logger;
  /** Counts what admission and cancels do to jobs. */
  metrics?: Pick<FlowMetrics, 'admitted' | 'job'>;
}

/** The JobService: the API's edge, where requests are checked and errors become statuses. */
export class JobService {
  private readonly spec;
  private readonly watches: StreamQuota;
  private readonly allJobsWatches: StreamQuota;
  private readonly submitStreams: StreamQuota;
  /** Each event encoded once, however many watchers it goes to. */
  private readonly encoded = new WeakMap<object, Buffer>();
  private readonly encodeEvent = loadNightshift().grpcObject.nightshift.v1.JobService.service.WatchJobs.responseSerialize as (e: JobEvent) => Buffer;

  constructor(private readonly d: JobServiceDeps) {
    this.spec = jobSpecSchema(d.maxTextBytes);
    const s = d.streams;
    this.watches = new StreamQuota('watches', s.watchesPerTenant, s.watchesPerKey);
    // Per key, watches of all jobs count only in `watches`: an admin key may follow several tenants.
    this.allJobsWatches = new StreamQuota("watches of all the tenant's jobs", s.allJobsWatchesPerTenant, Infinity);
    this.submitStreams = new StreamQuota('SubmitStreams', s.submitStreamsPerTenant, s.submitStreamsPerKey);
  }

  handlers(): JobServiceHandlers {
    return {
      Submit: this.unary('Submit', (call: grpc.ServerUnaryCall<SubmitRequest__Output, SubmitResponse>) => this.submit(call)),
      SubmitStream: (call: grpc.ServerDuplexStream<SubmitStreamRequest__Output, SubmitStreamResponse>) => void this.submitStream(call),
      GetJob: this.unary('GetJob', (call: grpc.ServerUnaryCall<GetJobRequest__Output, Job>) => this.getJob(call)),
      BatchGetJobs: this.unary('BatchGetJobs', (call: grpc.ServerUnaryCall<BatchGetJobsRequest__Output, BatchGetJobsResponse>) => this.batchGetJobs(call)),
      WatchJobs: (call: grpc.ServerWritableStream<WatchJobsRequest__Output, JobEvent>) => void this.watchJobs(call),
      CancelJob: this.unary('CancelJob', (call: grpc.ServerUnaryCall<CancelJobRequest__Output, Job>) => this.cancelJob(call)),
      ListJobs: this.unary('ListJobs', (call: grpc.ServerUnaryCall<ListJobsRequest__Output, ListJobsResponse>) => this.listJobs(call)),
      Quote: this.unary('Quote', (call: grpc.ServerUnaryCall<QuoteRequest__Output, QuoteResponse>) => this.quote(call)),
      GetUsage: this.unary('GetUsage', (call: grpc.ServerUnaryCall<GetUsageRequest__Output, Usage>) => this.getUsage(call)),
      GetFleet: this.unary('GetFleet', (call: grpc.ServerUnaryCall<GetFleetRequest__Output, Fleet>) => this.getFleet(call)),
      PurgeCache: this.unary('PurgeCache', (call: grpc.ServerUnaryCall<PurgeCacheRequest__Output, PurgeCacheResponse>) => this.purgeCache(call)),
    };
  }

  private unary<Req, Res>(method: string, fn: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>) {
    return unary(method, this.d.log, fn);
  }

  private async getUsage(call: grpc.ServerUnaryCall<GetUsageRequest__Output, Usage>): Promise<Usage> {
    const tenant = this.d.auth.tenantOf(call.metadata);
    const u = await this.d.guardrails.usage(tenant);
    return { current: periodView(u.current), previous: periodView(u.previous) };
  }

  private async getFleet(call: grpc.ServerUnaryCall<GetFleetRequest__Output, Fleet>): Promise<Fleet> {
    this.d.auth.requireAdmin(call.metadata);
    const shares = new Map((await this.d.shares()).map((s) => [s.tenant, s]));
    // Tenants with jobs, and tenants that used the fleet by batch objects alone.
    const tenants = [...new Set([...(await this.d.store.tenants()), ...shares.keys()])].sort();
    const usage = await Promise.all(tenants.map((t) => this.d.guardrails.usage(t)));
    return {
      workers: this.d.fleet().map((w) => ({ id: w.id, pool: w.pool, workerClass: w.workerClass, batchesInFlight: w.inFlight, draining: w.draining })),
      tenants: tenants.map((tenant, i) => {
        const s = shares.get(tenant);
        return { tenant, current: periodView(usage[i]!.current), ...(s ? { share: { weight: s.weight, target: s.target, used: s.used, workerSeconds: s.workerSeconds } } : {}) };
      }),
    };
  }

  private async purgeCache(call: grpc.ServerUnaryCall<PurgeCacheRequest__Output, PurgeCacheResponse>): Promise<PurgeCacheResponse> {
    this.d.auth.requireAdmin(call.metadata, 'purges the result cache');
    const { workerId } = parseRequest(purgeCacheRequest, call.request);
    const removed = await this.d.cache.purge(workerId);
    this.d.log.warn({ workerId, removed }, 'cached results of a worker purged');
    return { removed: String(removed) };
  }

  private async quote(call: grpc.ServerUnaryCall<QuoteRequest__Output, QuoteResponse>): Promise<QuoteResponse> {
    const tenant = this.d.auth.tenantOf(call.metadata);
    const v = parseRequest(this.spec, call.request.job, 'job');
    const q = await this.d.admission.quote(tenant, v);
    return { tokenCount: q.tokenCount, bucket: q.bucket, windows: q.windows.map(quoteView) };
  }

  private async submit(call: grpc.ServerUnaryCall<SubmitRequest__Output, SubmitResponse>): Promise<SubmitResponse> {
    const tenant = this.d.auth.tenantOf(call.metadata);
    const v = parseRequest(this.spec, call.request.job, 'job');
    const [job] = await this.d.admission.admitMany(tenant, [v]);
    this.d.metrics?.admitted(tenant, [job!]);
    if (job instanceof Error) throw job;
    return { job: jobView(job!) };
  }

  /**
   * One reply per request, in order; a bad request gets its own error and the stream goes on.
   * Requests are admitted in groups of what has arrived (up to 256): records in one pipeline and
   * one addBulk per queue, instead of two round trips a job. Reading pauses while much is
   * waiting, so a fast client cannot pile up work. (Not `for await`: its iterator destroys the
   * call at the end of input, before the replies and the status are out.) A stream that sends
   * nothing for streams.submitIdleSeconds, while nothing of its is waiting, is ended with
   * DEADLINE_EXCEEDED after the replies to what it sent: an open stream holds a connection.
   */
  private submitStream(call: grpc.ServerDuplexStream<SubmitStreamRequest__Output, SubmitStreamResponse>): void {
    let tenant: string;
    try {
      const caller = this.d.auth.jobCaller(call.metadata);
      tenant = caller.tenant;
      const release = this.submitStreams.take(caller);
      // Whichever comes first: answered (finish), gone (cancelled), or closed.
      for (const event of ['finish', 'close', 'cancelled']) call.once(event, release);
    } catch (err) {
      call.emit('error', toStatus(err, this.d.log, 'SubmitStream'));
      return;
    }
    const waiting: SubmitStreamRequest__Output[] = [];
    let ended = false;
    let pumping = false;
    let idledOut = false;
    const idleSeconds = this.d.streams.submitIdleSeconds;
    const idle = setTimeout(() => {
      if (ended || call.cancelled) return;
      // Busy with what it sent (admitting, or waiting for it to read its replies): the wait is ours, not the client's.
      if (pumping || waiting.length > 0) return idle.refresh();
      idledOut = true;
      call.emit('error', toStatus(new ApiError(grpc.status.DEADLINE_EXCEEDED, `SubmitStream sent nothing for ${idleSeconds} s: ended; open a new stream to submit more`), this.d.log, 'SubmitStream'));
    }, idleSeconds * 1000);
    idle.unref();
    call.on('cancelled', () => clearTimeout(idle));
    const reply = (requestId: string, err: unknown): SubmitStreamResponse => {
      const s = toStatus(err, this.d.log, 'SubmitStream');
      const retryAfterSeconds = err instanceof ApiError ? (err.retryAfterSeconds ?? 0) : 0;
      return { requestId, error: { code: s.code ?? grpc.status.UNKNOWN, message: s.details ?? '', retryAfterSeconds } };
    };
    const admitGroup = async (group: SubmitStreamRequest__Output[]): Promise<SubmitStreamResponse[]> => {
      const parsed = group.map((req) => {
        try {
          return parseRequest(this.spec, req.job, 'job');
        } catch (err) {
          return err as Error;
        }
      });
      const valid = parsed.filter((p): p is Exclude<typeof p, Error> => !(p instanceof Error));
      let admitted: Array<Awaited<ReturnType<Admission['admitMany']>>[number]>;
      try {
        admitted = await this.d.admission.admitMany(tenant, valid);
        this.d.metrics?.admitted(tenant, admitted);
      } catch (err) {
        return group.map((req, i) => reply(req.requestId, parsed[i] instanceof Error ? parsed[i] : err));
      }
      let k = 0;
      return group.map((req, i) => {
        const p = parsed[i]!;
        if (p instanceof Error) return reply(req.requestId, p);
        const r = admitted[k++]!;
        return r instanceof Error ? reply(req.requestId, r) : { requestId: req.requestId, job: jobView(r) };
      });
    };
    const pump = async (): Promise<void> => {
      if (pumping) return;
      pumping = true;
      try {
        while (waiting.length > 0 && !call.cancelled) {
          const group = waiting.splice(0, 256);
          if (waiting.length < 256) call.resume();
          for (const r of await admitGroup(group)) {
            if (call.cancelled) return;
            if (!call.write(r)) await once(call, 'drain');
          }
        }
        if (ended && waiting.length === 0 && !call.cancelled) call.end();
      } finally {
        pumping = false;
      }
    };
    call.on('data', (req: SubmitStreamRequest__Output | MalformedRequest) => {
      if (idledOut) return;
      idle.refresh();
      // A message that did not decode gets its error in its turn, with no request id to echo (parseRequest
      // refuses the MalformedRequest standing in for its job); the stream goes on.
      waiting.push(req instanceof MalformedRequest ? { requestId: '', job: req as unknown as SubmitStreamRequest__Output['job'] } : req);
      if (waiting.length >= 1024) call.pause();
      // Let the requests already in the socket's buffer arrive first, so that they go together.
      setImmediate(() => void pump());
    });
    call.on('end', () => {
      ended = true;
      clearTimeout(idle);
      void pump();
    });
  }

  private async getJob(call: grpc.ServerUnaryCall<GetJobRequest__Output, Job>): Promise<Job> {
    const tenant = this.d.auth.tenantOf(call.metadata);
    const req = parseRequest(getJobRequest, call.request);
    const rec = await this.d.store.get(tenant, req.jobId, !req.omitResult);
    // Another tenant's job is simply not in this tenant's keys: NOT_FOUND, exactly as a missing one.
    if (!rec) throw notFound(`job ${req.jobId} not found`);
    return jobView(rec);
  }

  private async batchGetJobs(call: grpc.ServerUnaryCall<BatchGetJobsRequest__Output, BatchGetJobsResponse>): Promise<BatchGetJobsResponse> {
    const tenant = this.d.auth.tenantOf(call.metadata);
    const req = parseRequest(batchGetJobsRequest, call.request);
    const recs = await this.d.store.getMany(tenant, req.jobIds, !req.omitResult);
    const missing = recs.findIndex((r) => !r);
    if (missing >= 0) throw notFound(`job ${req.jobIds[missing]} not found`);
    return { jobs: recs.map((r) => jobView(r!)) };
  }

  private async cancelJob(call: grpc.ServerUnaryCall<CancelJobRequest__Output, Job>): Promise<Job> {
    const tenant = this.d.auth.tenantOf(call.metadata);
    const { jobId } = parseRequest(cancelJobRequest, call.request);
    const before = await this.d.store.get(tenant, jobId, false);
    if (!before) throw notFound(`job ${jobId} not found`);
    const moved = await this.d.store.transition({ tenant, id: jobId, from: ['DEFERRED', 'QUEUED', 'RUNNING'], to: 'CANCELLED', fields: { error: 'cancelled by the tenant' } });
    if (!moved.ok) {
      if (moved.reason === 'missing') throw notFound(`job ${jobId} not found`);
      throw new ApiError(grpc.status.FAILED_PRECONDITION, `job ${jobId} is ${moved.state}; only DEFERRED, QUEUED or RUNNING jobs can be cancelled`);
    }
    this.d.metrics?.job(tenant, before.queue, 'CANCELLED');
    // Best effort: a job a dispatcher holds already is skipped when its record says CANCELLED.
    if (before.state === 'QUEUED' && before.entry) {
      await this.d.queues.remove({ queue: before.queue, bucket: before.bucket, spec: before.spec, entry: decodeEntry(before.entry) }).catch(() => false);
    }
    // Its reservation went with the record's move; a release that finds it CANCELLED drops it anyway.
    if (before.state === 'DEFERRED') await this.d.deferred.cancelled(before).catch((err: unknown) => this.d.log.warn({ err, jobId }, 'deferred entry not removed'));
    const after = await this.d.store.get(tenant, jobId, false);
    if (!after) throw notFound(`job ${jobId} not found`);
    return jobView(after);
  }

  private async listJobs(call: grpc.ServerUnaryCall<ListJobsRequest__Output, ListJobsResponse>): Promise<ListJobsResponse> {
    const tenant = this.d.auth.tenantOf(call.metadata);
    const req = parseRequest(listJobsRequest, call.request);
    const after = req.pageToken ? decodePageToken(req.pageToken) : undefined;
    const page = await this.d.store.list(tenant, [...new Set(req.states)], req.pageSize || 100, after);
    return { jobs: page.jobs.map(jobView), nextPageToken: page.next ? encodePageToken(page.next) : '' };
  }

  /**
   * Subscribe first, then read the jobs as they stand: whatever changes in
   * between arrives as an event, and per-job seq drops what the snapshot
   * already told. A reader that falls `maxUnsentEvents` behind is ended
   * rather than buffered for.
   */
  private async watchJobs(call: grpc.ServerWritableStream<WatchJobsRequest__Output, JobEvent>): Promise<void> {
    const releases: Array<() => void> = [];
    let unsubscribe: (() => void) | undefined;
    let ended = false;
    const end = (status?: Partial<grpc.StatusObject>, now = false) => {
      if (ended) return;
      ended = true;
      unsubscribe?.();
      for (const release of releases) release();
      if (status && now) endAtOnce(call, status);
      else if (status) call.emit('error', status);
      else call.end();
    };
    call.on('cancelled', () => end());
    call.on('error', () => end());
    try {
      const caller = this.d.auth.jobCaller(call.metadata);
      const tenant = caller.tenant;
      const req = parseRequest(watchJobsRequest, call.request);
      const ids = [...new Set(req.jobIds)];
      releases.push(this.watches.take(caller));
      if (ids.length === 0) releases.push(this.allJobsWatches.take(caller));
      const wanted = req.states.length ? new Set(req.states) : null;
      const watched = new Map<string, number>(ids.map((id) => [id, 0]));
      const maxUnsent = this.d.streams.maxUnsentEvents;
      // Since when the reader has been behind by maxUnsentEvents or more (0: it is not).
      const behind = { since: 0 };
      let finals = 0;
      let live = false;
      const early: JobEventEntry[] = [];
      const deliver = (e: Omit<JobEventEntry, 'streamId'>) => {
        if (ended) return;
        if (ids.length) {
          const seen = watched.get(e.id);
          if (seen === undefined || e.seq <= seen) return;
          watched.set(e.id, e.seq);
          if (isFinal(e.state)) finals++;
        }
        // Filtered after the count above: a watch of ids ends at their final states whatever it sends.
        if (!wanted || wanted.has(e.state)) {
          if (this.tooSlow(call.writableLength, behind)) {
            return end({ code: grpc.status.RESOURCE_EXHAUSTED, details: `watch ended: ${call.writableLength} events were waiting unread (the limit is ${maxUnsent}); read faster or watch fewer jobs a stream, then watch again (GetJob or ListJobs tell what was missed)` }, true);
          }
          // Bytes where the type says a message: the serializer passes them through (tolerantDecoding).
          call.write(this.eventBytes(e) as JobEvent);
        }
        if (ids.length && finals === ids.length) end();
      };
      unsubscribe = await this.d.events.subscribe(tenant, (e) => (live ? deliver(e) : early.push(e)), ids);
      if (ended) return unsubscribe();
      // Headers say the watch is subscribed: a client that waits for them misses no later change.
      call.sendMetadata(new grpc.Metadata());
      if (ids.length) {
        const records = await this.d.store.getMany(tenant, ids, false);
        const missing = ids.filter((_, i) => !records[i]);
        if (missing.length) return end({ code: grpc.status.NOT_FOUND, details: `job ${missing[0]} not found` });
        for (const r of records) deliver(snapshotEvent(r!));
      }
      live = true;
      for (const e of early.splice(0)) deliver(e);
    } catch (err) {
      end(toStatus(err, this.d.log, 'WatchJobs'));
    }
  }

  /**
   * Whether a watch with `unsent` events waiting is ended: at once past 8 × maxUnsentEvents, or when it
   * has stayed past maxUnsentEvents for slowReaderSeconds. A busy but honest reader falls behind for a
   * moment in a burst (grpc-js sends one message per write callback); a reader that stops reading
   * stays behind.
   */
  private tooSlow(unsent: number, behind: { since: number }): boolean {
    const { maxUnsentEvents, slowReaderSeconds } = this.d.streams;
    if (unsent < maxUnsentEvents) {
      behind.since = 0;
      return false;
    }
    const now = Date.now();
    behind.since ||= now;
    return unsent >= 8 * maxUnsentEvents || now - behind.since >= slowReaderSeconds * 1000;
  }

  /** An event's message bytes, encoded by the first watcher that sends it (the stream's serializer passes bytes through). */
  private eventBytes(e: Omit<JobEventEntry, 'streamId'>): Buffer {
    let bytes = this.encoded.get(e);
    if (!bytes) {
      bytes = this.encodeEvent(eventView(e));
      this.encoded.set(e, bytes);
    }
    return bytes;
  }
}

/**
 * Ends a server stream with `status` at once, dropping the messages it still holds unsent. Ended
 * the usual way, the status would wait behind them, and they would stay in memory, for as long as
 * the reader does not read. grpc-js has no public call for this: its inner call's sendStatus is it.
 */
function endAtOnce(call: grpc.ServerWritableStream<unknown, unknown>, status: Partial<grpc.StatusObject>): void {
  const inner = (call as unknown as { call?: { sendStatus(s: grpc.StatusObject): void } }).call;
  if (!inner) {
    call.emit('error', status);
    return;
  }
  inner.sendStatus({ code: status.code ?? grpc.status.UNKNOWN, details: status.details ?? '', metadata: status.metadata ?? new grpc.Metadata() });
  call.destroy();
}

function periodView(p: PeriodUsage) {
  return {
    period: p.id, start: toTimestamp(p.start), end: toTimestamp(p.end),
    budget: p.budget, spent: p.spent, reserved: p.reserved, tokens: String(p.tokens), jobs: String(p.jobs),
  };
}
