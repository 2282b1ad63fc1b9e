import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { endianness } from 'node:os';
import { opKey, packLe32, type Batch, type BatchItem__Output, type CreateBatchRequest__Output, type Logger } from '@nightshift/proto';
import { awaitsTrueUp, FINAL_BATCH_STATES, type BatchAdmission, type BatchPlanner, type BatchRecord, type BatchStore, type CachedResult, type Item, type ItemStore, type PlanLimits, type UnitQueue } from '../batch-objects/index.js';
import type { ResultCache } from '../cache/index.js';
import type { Tokenizer } from '@nightshift/tokenizer';
import type { Clock } from '../clock/index.js';
import { ApiError, invalid } from './api-error.js';
import { batchHeader, type ValidBatchHeader } from './batch-requests.js';
import { parseRequest } from './requests.js';
import { batchView } from './batch-view.js';

const LE = endianness() === 'LE';

export const ITEMS_STORED_HEADER = 'x-nightshift-items-stored';
export const BATCH_ID_HEADER = 'x-nightshift-batch-id';

export interface UploadDeps {
  items: ItemStore;
  planner: BatchPlanner;
  /** How large a planning window and a unit may be now (the workers' budgets may have changed). */
  planLimits: (op: string) => PlanLimits;
  store: BatchStore;
  admission: BatchAdmission;
  /** A batch admitted at its header (it declared its size) has its units released as its windows commit. */
  units: UnitQueue;
  tokenizer: Tokenizer;
  /** Consulted a window at a time: an item computed before is not run again. */
  cache: ResultCache;
  limits: { maxItems: number; maxTokensPerItem: number; touchEveryMs: number };
  /** The scheduler's clock, that admission places the batch by: its deadline is counted from it too. */
  clock: Clock;
  log: Logger;
}

/**
 * One CreateBatch stream: the header opens (or finds again) the batch, the server tells how many
 * items it holds, and the items that follow are tokenized and gathered into a planning window;
 * a full window is cut into units and committed (BatchPlanner). Messages are handled one after
 * the other; reading pauses while a few wait, so a fast client cannot pile up memory: a stream
 * holds one window. The end of the stream commits the last window, closes the upload and admits
 * the batch. A stream cut off commits the whole items it got, so that the next stream with the
 * same key sends only the rest.
 */
export class BatchUpload {
  private header: ValidBatchHeader | undefined;
  private id = '';
  /** What the batch holds: items, windows and tokens committed, units planned. */
  private at = { items: 0, windows: 0, units: 0, tokens: 0 };
  /** The size the batch declared (admitted at its header, it runs while it uploads), which the upload may not pass. */
  private declared: { items: number; tokens: number } | undefined;
  private pendingTokens = 0;
  /** The upload index of the next item this stream sends. */
  private next = 0;
  /** Items gathered for the next window, from upload index `pendingFrom`. */
  private pending: Item[] = [];
  private pendingBytes = 0;
  private pendingFrom = 0;
  private limits!: PlanLimits;
  private touchedAt = 0;
  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;
  private answered = false;

  constructor(
    private readonly d: UploadDeps,
    private readonly tenant: string,
    private readonly call: grpc.ServerReadableStream<CreateBatchRequest__Output, Batch>,
    private readonly reply: grpc.sendUnaryData<Batch>,
    private readonly fail: (err: unknown) => void,
  ) {}

  start(): void {
    this.call.on('data', (msg: CreateBatchRequest__Output) => this.enqueue(() => this.onMessage(msg)));
    this.call.on('end', () => this.enqueue(() => this.onEnd()));
    // Cut off: keep what whole items arrived, for the stream that resumes.
    this.call.on('cancelled', () => this.enqueue(() => this.commit()));
  }

  private enqueue(step: () => Promise<void>): void {
    if (++this.waiting > 4) this.call.pause();
    this.chain = this.chain
      .then(step)
      .catch((err: unknown) => this.answer(err))
      .finally(() => {
        if (--this.waiting <= 2) this.call.resume();
      });
  }

  private answer(err: unknown, batch?: Batch): void {
    if (this.answered) return;
    this.answered = true;
    if (err) this.fail(err);
    else this.reply(null, batch);
  }

  private async onMessage(msg: CreateBatchRequest__Output): Promise<void> {
    if (this.answered) return;
    if (!this.header) {
      if (msg.part !== 'header' || !msg.header) throw invalid('CreateBatch: the first message must be the header');
      return this.open(parseRequest(batchHeader, msg.header, 'header'));
    }
    if (msg.part !== 'items' || !msg.items) throw invalid('CreateBatch: after the header, every message is items');
    if (msg.items.firstIndex != null) this.startAt(Number(msg.items.firstIndex));
    await this.add(msg.items.items);
  }

  private async open(h: ValidBatchHeader): Promise<void> {
    this.header = h;
    const key = h.idempotencyKey || `auto-${randomUUID()}`;
    const fields: Record<string, string> = {
      spec: JSON.stringify(h.spec), priority: String(h.priority), labels: JSON.stringify(h.labels), maxCost: String(h.maxCost),
      maxAttempts: String(h.maxAttempts || 3), deadline: String(this.deadlineOf(h)),
      ...(h.declared ? { declaredItems: String(h.declared.items), declaredTokens: String(h.declared.tokens) } : {}),
    };
    const { id } = await this.d.items.open(this.tenant, key, fields);
    this.id = id;
    let b = await this.d.store.get(id);
    if (!b) throw new ApiError(grpc.status.ABORTED, `batch ${id} vanished while it was opened; send again`);
    if (opKey(b.spec) !== opKey(h.spec)) {
      throw new ApiError(grpc.status.FAILED_PRECONDITION, `idempotency key ${key} names batch ${id} of ${opKey(b.spec)}, not ${opKey(h.spec)}`);
    }
    this.at = { items: b.items, windows: b.windows, units: b.units, tokens: b.tokens };
    this.limits = this.d.planLimits(h.spec.op);
    // The record's declared size counts (the stream that opened the batch declared it), not this header's.
    if (b.declaredItems > 0) {
      this.declared = { items: b.declaredItems, tokens: b.declaredTokens };
      if (this.declared.items > this.d.limits.maxItems) throw invalid(`header.declared_items: a batch holds at most ${this.d.limits.maxItems} items`);
      // Priced, placed and reserved before any item is stored: refused whole here (the call fails), or admitted.
      if (b.open && b.state === 'UPLOADING') b = await this.d.admission.admitDeclared(id, this.d.planner.estimate(h.spec.op, this.declared, this.limits.batch));
    }
    const md = new grpc.Metadata();
    md.set(ITEMS_STORED_HEADER, String(b.items));
    md.set(BATCH_ID_HEADER, id);
    this.call.sendMetadata(md);
    if (!b.open || FINAL_BATCH_STATES.has(b.state)) {
      // Closed before: this stream adds nothing; the batch as it stands (admitted, or trued up, again if a crash stopped it).
      this.answer(null, batchView(await this.settled(b)));
      return;
    }
    this.startAt(h.firstItem);
  }

  /** The stream's next item is upload item `index`: at most the next one the batch lacks (no gap). */
  private startAt(index: number): void {
    const accepted = this.at.items + this.pending.length;
    if (index > accepted) {
      throw new ApiError(grpc.status.FAILED_PRECONDITION, `batch ${this.id} holds ${accepted} items; this stream goes on at item ${index}: send from item ${accepted}`);
    }
    this.next = index;
  }

  /** The batch's deadline in ms (0: none): its deadline or its completion window from now, the earlier. */
  private deadlineOf(h: ValidBatchHeader): number {
    const now = this.d.clock.now();
    const fromWindow = h.completionWindowSeconds > 0 ? now + h.completionWindowSeconds * 1000 : 0;
    if (h.deadline !== 0 && h.deadline <= now) throw invalid(`header.deadline: ${new Date(h.deadline).toISOString()} is in the past`);
    return [h.deadline, fromWindow].filter((d) => d > 0).reduce((a, b) => Math.min(a, b), Infinity) || 0;
  }

  private async add(items: BatchItem__Output[]): Promise<void> {
    // Items the batch holds already (a resumed stream sent from before where it stopped) are skipped.
    const skip = Math.min(items.length, Math.max(0, this.at.items + this.pending.length - this.next));
    const fresh = items.slice(skip);
    this.next += skip;
    if (fresh.length === 0) return;
    await this.touch();
    if (this.next + fresh.length > this.d.limits.maxItems) throw invalid(`a batch holds at most ${this.d.limits.maxItems} items`);
    const texts: string[] = [];
    for (const [i, it] of fresh.entries()) {
      const where = `items[${this.next + i}]`;
      if (Buffer.byteLength(it.customId) > 256) throw invalid(`${where}.custom_id: must be at most 256 bytes`);
      if (it.payload === 'text') texts.push(it.text ?? '');
      else if (it.payload !== 'tokens') throw invalid(`${where}: text or tokens is required`);
    }
    if (this.declared && this.next + fresh.length > this.declared.items) {
      await this.breach(`items[${this.declared.items}]: the batch declared ${this.declared.items} items (header.declared_items); the upload may not pass it`);
    }
    const encoded = texts.length ? await this.d.tokenizer.encodeMany(texts) : [];
    let t = 0;
    let tokens = this.at.tokens + this.pendingTokens;
    const out: Item[] = [];
    for (const [i, it] of fresh.entries()) {
      let bytes: Uint8Array;
      if (it.payload === 'text') {
        const ids = encoded[t++]!;
        bytes = LE ? new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength) : packLe32(ids);
      } else {
        // Little-endian on the wire as in the units: the item is a view of the message, copied once, into its unit.
        bytes = it.tokens!;
        if (bytes.byteLength % 4 !== 0) throw invalid(`items[${this.next + i}].tokens: ${bytes.byteLength} bytes is not a whole number of 32-bit token ids`);
      }
      const count = bytes.byteLength >>> 2;
      // Too long for any worker: the item fails alone, with its own error, and its tokens are not kept (nor counted).
      if (count > this.d.limits.maxTokensPerItem) {
        out.push({ customId: it.customId, bytes: new Uint8Array(0), refused: `${count} tokens, above the limit of ${this.d.limits.maxTokensPerItem} (jobs.maxTokensPerJob)` });
        continue;
      }
      tokens += count;
      if (this.declared && tokens > this.declared.tokens) {
        await this.breach(`items[${this.next + i}]: the batch declared ${this.declared.tokens} tokens (header.declared_tokens); this item passes it (${tokens} tokens so far)`);
      }
      out.push({ customId: it.customId, bytes });
    }
    this.next += fresh.length;
    for (const it of out) {
      const bytes = it.bytes.byteLength;
      this.pendingTokens += bytes >>> 2;
      if (this.pending.length > 0 && (this.pending.length >= this.limits.windowItems || this.pendingBytes + bytes > this.limits.windowBytes)) await this.commit();
      if (this.pending.length === 0) this.pendingFrom = this.at.items;
      this.pending.push(it);
      this.pendingBytes += bytes;
    }
  }

  /**
   * Plans and commits the gathered window. Another stream of the same upload may have committed
   * meanwhile (the stream of a client that crashed commits what it got as it closes): the items it
   * stored are the same ones, so they are dropped from ours and the rest planned after them.
   */
  private async commit(): Promise<void> {
    if (!this.id || !this.header) return;
    let items = this.pending;
    let first = this.pendingFrom;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingTokens = 0;
    for (;;) {
      if (this.at.items > first) {
        items = items.slice(this.at.items - first);
        first = this.at.items;
      }
      if (items.length === 0) return;
      if (this.at.items < first) throw new ApiError(grpc.status.FAILED_PRECONDITION, `batch ${this.id} holds ${this.at.items} items; the next this stream has is item ${first}`);
      const cached = await this.lookup(items);
      const planned = this.d.planner.plan(items, first, this.at.units, this.header.spec.op, this.limits, cached);
      const r = await this.d.planner.commit(this.id, this.at.windows, planned);
      if (!r.open) throw new ApiError(grpc.status.FAILED_PRECONDITION, `batch ${this.id}: its upload is closed`);
      if (r.stored) {
        this.at = { items: r.items, windows: r.windows, units: this.at.units + planned.units.length, tokens: this.at.tokens + planned.tokens };
        // Admitted at its header: the window's units go to the workers now, at the batch's turn.
        if (this.declared && planned.units.length > 0) {
          const b = await this.d.store.get(this.id);
          if (b) await this.d.units.release(b);
        }
        return;
      }
      const before = this.at.items;
      const now = await this.d.items.progress(this.id);
      this.at = { items: now?.items ?? 0, windows: now?.windows ?? 0, units: now?.units ?? 0, tokens: now?.tokens ?? 0 };
      if (this.at.items <= before) throw new ApiError(grpc.status.ABORTED, `batch ${this.id}: another upload with the same key is storing items (${this.at.items} now); resume from there`);
    }
  }

  /** Says the upload is alive (the sweeper cancels one idle for batches.uploadIdleSeconds), at most every few seconds. */
  private async touch(): Promise<void> {
    const now = Date.now();
    if (now - this.touchedAt < this.d.limits.touchEveryMs) return;
    this.touchedAt = now;
    await this.d.store.redis.hset(this.d.store.keys.meta(this.id), 'touchedAt', now);
  }

  /** The window's items' results in the result cache, in one round trip (a miss, or the cache away, runs the item). */
  private async lookup(items: readonly Item[]): Promise<Array<CachedResult | undefined>> {
    if (!this.d.cache.opts.enabled || !this.header) return [];
    const spec = this.header.spec;
    const keys = items.map((it) => this.d.cache.keyOf(this.tenant, spec, Buffer.from(it.bytes.buffer, it.bytes.byteOffset, it.bytes.byteLength)));
    return this.d.cache.lookup(keys).catch((err: unknown) => {
      this.d.log.warn({ err, batchId: this.id }, 'result cache not read; the window runs in full');
      return [];
    });
  }

  private async onEnd(): Promise<void> {
    // A client that cancels may half-close first: the cancel follows at once, and then the upload stays open.
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (this.answered || this.call.cancelled) return;
    if (!this.header) throw invalid('CreateBatch: the stream ended before its header');
    await this.commit();
    await this.d.items.close(this.id);
    this.d.log.info({ batchId: this.id, tenant: this.tenant, items: this.at.items }, 'batch uploaded');
    const b = await this.d.store.get(this.id);
    if (!b) throw new ApiError(grpc.status.NOT_FOUND, `batch ${this.id} is gone`);
    this.answer(null, batchView(await this.settled(b)));
  }

  /** A closed upload's batch, admitted (its size known only now) or trued up (it declared its size), either once. */
  private async settled(b: BatchRecord): Promise<BatchRecord> {
    if (b.state === 'VALIDATING') return this.d.admission.admit(b.id, true);
    if (awaitsTrueUp(b)) return this.d.admission.trueUp(b.id);
    return b;
  }

  /** The upload passed its declared size: the batch fails (what ran is charged, the rest released), and so does the call. */
  private async breach(why: string): Promise<never> {
    const b = await this.d.store.get(this.id);
    const err = new ApiError(grpc.status.FAILED_PRECONDITION, `batch ${this.id}: ${why}`);
    if (!b) throw err;
    return this.d.admission.fail(b, err);
  }
}
