import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import {
  loadNightshift, type Batch__Output, type BatchHeader, type BatchItem, type BatchItemResult__Output, type BatchServiceClient, type BatchResults__Output,
  type CreateBatchRequest, type ListBatchesRequest, type ListBatchesResponse__Output,
} from '@nightshift/proto';
import { callerMetadata } from './job-client.js';
import { BATCH_ID_HEADER, ITEMS_STORED_HEADER } from '../api/batch-upload.js';

export const FINAL_BATCH_API_STATES = ['BATCH_STATE_SUCCEEDED', 'BATCH_STATE_FAILED', 'BATCH_STATE_CANCELLED'] as const;

export interface CreateOptions {
  /** Items a message carries. */
  itemsPerMessage?: number;
  /** Called as items are sent: the index of the next one, and how many the server held when the stream began. */
  onProgress?: (sent: number, stored: number) => void;
  /** The server's word on how many items it holds, once it has read the header, and the batch's id. */
  onStored?: (stored: number, batchId: string) => void;
}

/** A BatchService client for one tenant, with promises and async iterables instead of callbacks. */
export class BatchClient {
  readonly raw: BatchServiceClient;
  readonly metadata: grpc.Metadata;

  constructor(address: string, tenant: string, opts: { credentials?: grpc.ChannelCredentials; apiKey?: string } = {}) {
    const Client = loadNightshift().grpcObject.nightshift.v1.BatchService;
    this.raw = new Client(address, opts.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
    });
    this.metadata = callerMetadata(tenant, opts.apiKey);
  }

  private unary<Req, Res>(method: Function, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(this.raw, req, this.metadata, (err: grpc.ServiceError | null, res?: Res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  /**
   * Uploads a batch and waits for its admission. Resumes: the items the server already holds under
   * the header's idempotency key (it says how many once it has the header) are skipped, not sent.
   * `items` is read once, as the stream takes them: a corpus streams through.
   */
  async create(header: BatchHeader, items: Iterable<BatchItem> | AsyncIterable<BatchItem>, opts: CreateOptions = {}): Promise<Batch__Output> {
    const per = opts.itemsPerMessage ?? 512;
    let call!: grpc.ClientWritableStream<CreateBatchRequest>;
    const reply = new Promise<Batch__Output>((resolve, reject) => {
      call = this.raw.createBatch(this.metadata, (err: grpc.ServiceError | null, res?: Batch__Output) => (err ? reject(err) : resolve(res!)));
    });
    // Once answered (a closed batch found again by its key, or the upload refused), the rest of `items` is not read.
    let answered = false;
    reply.then(() => (answered = true), () => (answered = true));
    const stored = new Promise<{ skip: number; id: string }>((resolve) => {
      call.once('metadata', (md: grpc.Metadata) => resolve({ skip: Number(md.get(ITEMS_STORED_HEADER)[0] ?? 0), id: String(md.get(BATCH_ID_HEADER)[0] ?? '') }));
      // Answered (or failed) without metadata: nothing more is read.
      reply.then(() => resolve({ skip: -1, id: '' }), () => resolve({ skip: -1, id: '' }));
    });
    const send = async (): Promise<void> => {
      call.write({ header });
      const { skip, id } = await stored;
      if (skip < 0) return;
      opts.onStored?.(skip, id);
      let index = 0;
      let group: BatchItem[] = [];
      let first = true;
      const flush = async () => {
        if (group.length === 0) return;
        const ok = call.write({ items: { items: group, ...(first ? { firstIndex: String(skip) } : {}) } });
        first = false;
        group = [];
        if (!ok) await Promise.race([once(call, 'drain'), reply.catch(() => undefined)]);
      };
      for await (const item of items) {
        if (answered) return;
        if (index++ < skip) continue;
        group.push(item);
        if (group.length >= per) {
          await flush();
          opts.onProgress?.(index, skip);
        }
      }
      await flush();
      opts.onProgress?.(index, skip);
    };
    try {
      await send();
      call.end();
    } catch (err) {
      call.cancel();
      throw err;
    }
    return reply;
  }

  getBatch(batchId: string): Promise<Batch__Output> {
    return this.unary<object, Batch__Output>(this.raw.getBatch, { batchId });
  }

  listBatches(req: ListBatchesRequest): Promise<ListBatchesResponse__Output> {
    return this.unary<ListBatchesRequest, ListBatchesResponse__Output>(this.raw.listBatches, req);
  }

  cancelBatch(batchId: string): Promise<Batch__Output> {
    return this.unary<object, Batch__Output>(this.raw.cancelBatch, { batchId });
  }

  /** The batch as it moves, until it is final. A loop that leaves early (break) cancels the call: the server's watch ends with it. */
  watch(batchId: string): AsyncIterable<Batch__Output> & { cancel(): void } {
    const call = this.raw.watchBatch({ batchId }, this.metadata);
    const messages = (async function* () {
      try {
        yield* call as AsyncIterable<Batch__Output>;
      } finally {
        call.cancel();
      }
    })();
    return Object.assign(messages, { cancel: () => call.cancel() });
  }

  /** Every item's result in input order from `fromIndex`, one at a time (they arrive many a message). */
  async *results(batchId: string, fromIndex = 0): AsyncGenerator<BatchItemResult__Output> {
    const call = this.raw.getBatchResults({ batchId, fromIndex: String(fromIndex) }, this.metadata);
    try {
      for await (const msg of call as AsyncIterable<BatchResults__Output>) yield* msg.results;
    } finally {
      call.cancel();
    }
  }

  /** Waits until the batch is final. */
  async wait(batchId: string): Promise<Batch__Output> {
    let last: Batch__Output | undefined;
    for await (const b of this.watch(batchId)) last = b;
    return last ?? (await this.getBatch(batchId));
  }

  close(): void {
    this.raw.close();
  }
}
