import { toOpParams, toTimestamp, type Job, type JobEvent, type WindowQuote as WindowQuoteMessage } from '@nightshift/proto';
import type { WindowQuote } from '../pricing/index.js';
import { encodePlan, parsePlan, toApiState, type JobRecord } from '../jobs/index.js';
import type { JobEventEntry } from '../events/index.js';

const ts = (ms: number) => (ms > 0 ? toTimestamp(ms) : null);

export function quoteView(q: WindowQuote): WindowQuoteMessage {
  return {
    window: q.window, workerClass: q.workerClass, predictedSeconds: q.seconds, price: q.price, finishAt: toTimestamp(q.finishAt),
    modelError: q.modelError ?? -1, modelBatches: q.modelBatches ?? 0,
  };
}

/** A job record as the API shows it. */
export function jobView(r: JobRecord): Job {
  const job: Job = {
    id: r.id,
    tenant: r.tenant,
    op: r.spec.op,
    params: toOpParams(r.spec),
    state: toApiState(r.state),
    priority: r.priority,
    clientRef: r.clientRef,
    tokenCount: r.tokenCount,
    bucket: r.bucket,
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    error: r.error,
    createdAt: ts(r.createdAt),
    startedAt: ts(r.startedAt),
    finishedAt: ts(r.finishedAt),
    kernelSeconds: r.kernelSeconds,
    workerId: r.workerId,
    seq: String(r.seq),
    batchId: r.batchId,
    cost: r.cost,
    quote: r.quote ? quoteView(r.quote) : null,
    deadline: ts(r.deadline),
    plannedWindow: r.plan?.window ?? r.quote?.window ?? '',
    plannedStart: ts(r.plan?.start ?? 0),
    placement: r.placement,
    preemptions: r.preemptions,
    cached: r.cached,
    alonePrice: r.alonePrice,
  };
  if (r.result) job.result = r.result instanceof Uint32Array ? { signature: Array.from(r.result) } : { vector: Array.from(r.result) };
  return job;
}

export function eventView(e: Omit<JobEventEntry, 'streamId'>): JobEvent {
  const event: JobEvent = {
    jobId: e.id,
    state: toApiState(e.state),
    seq: String(e.seq),
    at: toTimestamp(e.at),
    attempts: e.attempts,
    error: e.error,
    workerId: e.workerId,
  };
  // Only a DEFERRED job's events carry a plan.
  const p = e.plan ? parsePlan(e.plan) : undefined;
  if (p) {
    event.plannedWindow = p.window;
    event.plannedStart = toTimestamp(p.start);
    event.plannedPrice = p.price;
  }
  return event;
}

/** A record's current state as an event: what a watcher is sent first. */
export function snapshotEvent(r: JobRecord): Omit<JobEventEntry, 'streamId'> {
  return {
    id: r.id,
    state: r.state,
    seq: r.seq,
    at: Math.max(r.createdAt, r.startedAt, r.finishedAt),
    attempts: r.attempts,
    error: r.error,
    workerId: r.workerId,
    plan: r.state === 'DEFERRED' && r.plan ? encodePlan(r.plan) : '',
  };
}
