import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import type {
  Batch, BatchResults, BatchServiceHandlers, CancelBatchRequest__Output, CreateBatchRequest__Output, GetBatchRequest__Output,
  GetBatchResultsRequest__Output, ListBatchesRequest__Output, ListBatchesResponse, Logger, WatchBatchRequest__Output,
} from '@nightshift/proto';
import { FINAL_BATCH_STATES, type BatchLedger, type BatchRecord, type BatchResultsReader, type BatchStore, type UnitQueue } from '../batch-objects/index.js';
import type { ApiKeys } from '../auth/index.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import { notFound, toStatus } from './api-error.js';
import { unary } from './unary.js';
import { parseRequest } from './requests.js';
import { cancelBatchRequest, getBatchRequest, getBatchResultsRequest, listBatchesRequest, watchBatchRequest } from './batch-requests.js';
import { batchView } from './batch-view.js';
import { encodeBatchResults } from './batch-results-wire.js';
import { BatchUpload, type UploadDeps } from './batch-upload.js';
import { StreamQuota } from './stream-quota.js';
import { decodePageToken, encodePageToken } from './page-token.js';

export interface BatchServiceDeps extends UploadDeps {
  ledger: BatchLedger;
  results: BatchResultsReader;
  auth: ApiKeys;
  streams: SchedulerConfig['streams'];
  /** Most items a GetBatchResults message carries; how often watches and result streams look again, ms. */
  resultsPerMessage: number;
  pollMs: number;
  log: Logger;
}

/** The BatchService: bulk work as one object, at the API's edge. */
export class BatchService {
  private readonly uploads: StreamQuota;
  private readonly watches: StreamQuota;
  private readonly readers: StreamQuota;

  constructor(private readonly d: BatchServiceDeps) {
    const s = d.streams;
    this.uploads = new StreamQuota('CreateBatch uploads', s.submitStreamsPerTenant, s.submitStreamsPerKey);
    this.watches = new StreamQuota('batch watches', s.watchesPerTenant, s.watchesPerKey);
    this.readers = new StreamQuota('GetBatchResults streams', s.submitStreamsPerTenant, s.submitStreamsPerKey);
  }

  handlers(): BatchServiceHandlers {
    return {
      CreateBatch: (call: grpc.ServerReadableStream<CreateBatchRequest__Output, Batch>, cb: grpc.sendUnaryData<Batch>) => this.createBatch(call, cb),
      GetBatch: unary('GetBatch', this.d.log, (call: grpc.ServerUnaryCall<GetBatchRequest__Output, Batch>) => this.getBatch(call)),
      ListBatches: unary('ListBatches', this.d.log, (call: grpc.ServerUnaryCall<ListBatchesRequest__Output, ListBatchesResponse>) => this.listBatches(call)),
      CancelBatch: unary('CancelBatch', this.d.log, (call: grpc.ServerUnaryCall<CancelBatchRequest__Output, Batch>) => this.cancelBatch(call)),
      WatchBatch: (call: grpc.ServerWritableStream<WatchBatchRequest__Output, Batch>) => void this.stream('WatchBatch', call, this.watches, () => this.watchBatch(call)),
      GetBatchResults: (call: grpc.ServerWritableStream<GetBatchResultsRequest__Output, BatchResults>) =>
        void this.stream('GetBatchResults', call, this.readers, () => this.getBatchResults(call)),
    };
  }

  private createBatch(call: grpc.ServerReadableStream<CreateBatchRequest__Output, Batch>, cb: grpc.sendUnaryData<Batch>): void {
    let release: () => void;
    let tenant: string;
    try {
      const caller = this.d.auth.jobCaller(call.metadata);
      tenant = caller.tenant;
      release = this.uploads.take(caller);
    } catch (err) {
      cb(toStatus(err, this.d.log, 'CreateBatch'));
      return;
    }
    const done: grpc.sendUnaryData<Batch> = (err, value) => {
      release();
      cb(err, value);
    };
    call.once('cancelled', release);
    new BatchUpload(this.d, tenant, call, done, (err) => done(toStatus(err, this.d.log, 'CreateBatch'))).start();
  }

  private async mine(metadata: grpc.Metadata, id: string): Promise<BatchRecord> {
    const tenant = this.d.auth.tenantOf(metadata);
    const b = await this.d.store.getOf(tenant, id);
    if (!b) throw notFound(`batch ${id} not found`);
    return b;
  }

  private async getBatch(call: grpc.ServerUnaryCall<GetBatchRequest__Output, Batch>): Promise<Batch> {
    const { batchId } = parseRequest(getBatchRequest, call.request);
    return batchView(await this.mine(call.metadata, batchId));
  }

  private async listBatches(call: grpc.ServerUnaryCall<ListBatchesRequest__Output, ListBatchesResponse>): Promise<ListBatchesResponse> {
    const tenant = this.d.auth.tenantOf(call.metadata);
    const req = parseRequest(listBatchesRequest, call.request);
    const size = req.pageSize || 100;
    const states = new Set(req.states);
    let cursor = req.pageToken ? decodePageToken(req.pageToken) : undefined;
    const key = this.d.store.keys.list(tenant);
    const out: BatchRecord[] = [];
    // Newest first (ties by id, descending, as Redis orders them); read on until enough match a filter.
    for (let scanned = 0; scanned < 100_000; ) {
      const page = await this.d.store.redis.zrevrangebyscore(key, cursor ? cursor.score : '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 500);
      let fresh = 0;
      for (let i = 0; i < page.length; i += 2) {
        const id = page[i]!;
        const score = Number(page[i + 1]);
        if (cursor && (score > cursor.score || (score === cursor.score && id >= cursor.id))) continue;
        fresh++;
        scanned++;
        cursor = { score, id };
        const b = await this.d.store.get(id);
        if (b && (states.size === 0 || states.has(b.state))) out.push(b);
        if (out.length >= size) return { batches: out.map((x) => batchView(x)), nextPageToken: encodePageToken(cursor) };
      }
      if (fresh === 0 || page.length < 1000) break;
    }
    return { batches: out.map((x) => batchView(x)), nextPageToken: '' };
  }

  private async cancelBatch(call: grpc.ServerUnaryCall<CancelBatchRequest__Output, Batch>): Promise<Batch> {
    const { batchId } = parseRequest(cancelBatchRequest, call.request);
    const b = await this.mine(call.metadata, batchId);
    const moved = await this.d.store.move(batchId, ['UPLOADING', 'VALIDATING', 'QUEUED', 'DEFERRED', 'RUNNING'], 'CANCELLED', { error: 'cancelled by the caller', finishedAt: Date.now() });
    if (moved) {
      const released = await this.d.ledger.release(b.tenant, batchId);
      // Units waiting in the queue go; those out on a worker finish, and keep their results.
      await this.d.units.remove(b);
      this.d.log.info({ batchId, tenant: b.tenant, released }, 'batch cancelled');
    }
    return batchView((await this.d.store.get(batchId))!);
  }

  /** A server stream with a quota place for its life, its errors as statuses. */
  private async stream<Req, Res>(method: string, call: grpc.ServerWritableStream<Req, Res>, quota: StreamQuota, body: () => Promise<void>): Promise<void> {
    let release: (() => void) | undefined;
    try {
      release = quota.take(this.d.auth.jobCaller(call.metadata));
      call.once('cancelled', release);
      await body();
      if (!call.cancelled) call.end();
    } catch (err) {
      if (!call.cancelled) call.emit('error', toStatus(err, this.d.log, method));
    } finally {
      release?.();
    }
  }

  /** The batch now, then whenever it changed, looked at every pollMs: a few messages a second at most, never one an item. */
  private async watchBatch(call: grpc.ServerWritableStream<WatchBatchRequest__Output, Batch>): Promise<void> {
    const { batchId } = parseRequest(watchBatchRequest, call.request);
    let b = await this.mine(call.metadata, batchId);
    let last = '';
    const stop = new AbortController();
    call.once('cancelled', () => stop.abort());
    while (!call.cancelled) {
      const view = batchView(b);
      const seen = JSON.stringify({ ...view, eta: null });
      if (seen !== last) {
        last = seen;
        if (!call.write(view)) await once(call, 'drain', { signal: stop.signal }).catch(() => undefined);
      }
      if (FINAL_BATCH_STATES.has(b.state)) return;
      await sleep(this.d.pollMs, undefined, { signal: stop.signal }).catch(() => undefined);
      const next = await this.d.store.get(batchId);
      if (!next) return;
      b = next;
    }
  }

  private async getBatchResults(call: grpc.ServerWritableStream<GetBatchResultsRequest__Output, BatchResults>): Promise<void> {
    const { batchId, fromIndex } = parseRequest(getBatchResultsRequest, call.request);
    await this.mine(call.metadata, batchId);
    const stop = new AbortController();
    call.once('cancelled', () => stop.abort());
    try {
      for await (const group of this.d.results.read(batchId, fromIndex, { group: this.d.resultsPerMessage, pollMs: this.d.pollMs, signal: stop.signal })) {
        if (call.cancelled) return;
        // Encoded here (see encodeBatchResults); the server passes the bytes through.
        const bytes = encodeBatchResults(group) as unknown as BatchResults;
        if (!call.write(bytes)) await once(call, 'drain', { signal: stop.signal });
      }
    } catch (err) {
      if (stop.signal.aborted) return;
      throw err;
    }
  }
}
