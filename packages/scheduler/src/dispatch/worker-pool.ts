import * as grpc from '@grpc/grpc-js';
import { DISPATCH_SECRET_HEADER, loadNightshift, type Logger, type RunBatchRequest, type RunBatchResponse__Output, type WorkerServiceClient } from '@nightshift/proto';
import type { WorkerEntry } from '../config/scheduler-config.js';
import type { Pool } from '../queueing/index.js';

export interface WorkerSlot {
  workerId: string;
  workerClass: string;
  pool: Pool;
  /** Its identity is proven (configured, discovered, or registered under a key bound to its id): its results may be cached. */
  proven: boolean;
  /** Whether this slot's batch would be the only one on its worker: then waiting for batch-mates idles the worker. */
  workerIdle(): boolean;
  run(request: RunBatchRequest, timeoutMs: number): Promise<RunBatchResponse__Output>;
  /** Give the slot back; `failed` suspects the worker for a while. */
  release(failed: boolean): void;
}

interface Member {
  entry: FleetEntry;
  client: WorkerServiceClient;
  inFlight: number;
  /** Of inFlight: bulk units. */
  bulk: number;
  failures: number;
  suspectUntil: number;
  /** Takes no new batch (it is draining). */
  draining: boolean;
  /** Its calls out, to cancel if it leaves the fleet without draining. */
  calls: Set<grpc.ClientUnaryCall>;
  /** Why it left the fleet, once it has. */
  gone?: string;
}

/** A worker as the fleet lists it: its entry, the ops it runs (unset: all), whether it is draining, and whether its identity is proven (unset: it is). */
export type FleetEntry = WorkerEntry & { draining?: boolean; ops?: readonly string[]; proven?: boolean };

/** A worker's load and health, as metrics and the dashboard show it. */
export interface WorkerStatus {
  id: string;
  pool: Pool;
  workerClass: string;
  inFlight: number;
  /** Batches it takes at once. */
  slots: number;
  health: 'healthy' | 'suspected' | 'draining';
}

/** What a batch needs of a worker. */
export interface BatchNeeds {
  op: string;
  paddedTokens: number;
}

const MAX_MESSAGE = 256 * 1024 * 1024;

/**
 * Under fair sharing, a puller's claim on the next free slot of its pool: the tenant whose work it
 * would send, and what that work needs. A free slot goes to the claim whose tenant ranks lowest
 * (furthest below its share) among those that could use it, whichever puller looks first.
 */
export interface SlotBid {
  /** The pool's own record of it. */
  readonly key: object;
  /** Says whose work the puller has next (undefined: none, the bid is withdrawn), and its needs where known. */
  set(tenant: string | undefined, needs?: BatchNeeds): void;
}

interface Bid {
  pool: Pool;
  bulk: boolean;
  tenant: string | undefined;
  needs: BatchNeeds | undefined;
}

/**
 * The workers batches can go to, with a slot per batch each may hold. A
 * worker that fails a batch is left alone for a backoff that doubles with
 * each failure in a row. The fleet changes through sync(): a worker that
 * joins gets a channel; one that drains takes no new batch; one that is
 * gone has its batches out cancelled, so that they run elsewhere.
 */
export class WorkerPool {
  private members: Member[] = [];
  private waiters: Array<() => void> = [];
  private readonly bids = new Set<Bid>();
  /** Under fair sharing: how far a tenant is below its share (lower first), and the most of a pool's slots it may hold. */
  private fair: { rank(tenant: string): number; maxShare(tenant: string): number } | undefined;
  /** Slots each tenant holds, by pool (under fair sharing). */
  private readonly held: Record<Pool, Map<string, number>> = { 'on-demand': new Map(), spot: new Map() };
  private wakeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    entries: readonly WorkerEntry[],
    private readonly backoffMs: number,
    private readonly log: Logger,
    /** Whether a spot window is open: spot workers get work only then. */
    private readonly spotOpen: () => boolean = () => false,
    /** How to reach workers: plaintext, TLS, or mutual TLS (see workerTls). */
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    /** Sent with every RunBatch, for workers that check it (their dispatchSecretSha256). */
    private readonly dispatchSecret?: string,
  ) {
    this.sync(entries);
  }

  /** The workers now: each kept (its entry updated), added, or dropped. */
  sync(entries: readonly FleetEntry[]): { added: string[]; removed: string[] } {
    const byId = new Map(entries.map((e) => [e.id, e]));
    const kept: Member[] = [];
    const removed: string[] = [];
    for (const m of this.members) {
      const e = byId.get(m.entry.id);
      if (e && e.address === m.entry.address) {
        m.entry = e;
        m.draining = e.draining ?? false;
        kept.push(m);
        byId.delete(e.id);
      } else {
        removed.push(m.entry.id);
        this.leave(m, e ? `moved to ${e.address}` : 'it left the fleet (its lease lapsed)');
      }
    }
    const Client = loadNightshift().grpcObject.nightshift.v1.WorkerService;
    for (const entry of byId.values()) {
      kept.push({
        entry,
        client: new Client(entry.address, this.credentials, {
          'grpc.max_send_message_length': MAX_MESSAGE,
          'grpc.max_receive_message_length': MAX_MESSAGE,
        }),
        inFlight: 0,
        bulk: 0,
        failures: 0,
        suspectUntil: 0,
        draining: entry.draining ?? false,
        calls: new Set(),
      });
    }
    this.members = kept;
    this.wake();
    return { added: [...byId.keys()], removed };
  }

  /** The workers known now, with their load. */
  fleet(): Array<{ id: string; pool: Pool; workerClass: string; inFlight: number; draining: boolean }> {
    return this.members.map((m) => ({ id: m.entry.id, pool: m.entry.pool, workerClass: m.entry.workerClass, inFlight: m.inFlight, draining: m.draining }));
  }

  /** Each worker's load and health now (for metrics and the dashboard): suspected after a failure, draining, else healthy. */
  status(now = Date.now()): WorkerStatus[] {
    return this.members.map((m) => ({
      id: m.entry.id, pool: m.entry.pool, workerClass: m.entry.workerClass, inFlight: m.inFlight, slots: m.entry.maxBatchesInFlight,
      health: m.draining ? 'draining' : m.suspectUntil > now ? 'suspected' : 'healthy',
    }));
  }

  /** Cancels what is out on a worker that is gone (its batches run again elsewhere); closes its channel. */
  private leave(m: Member, why: string): void {
    m.gone = why;
    for (const call of m.calls) call.cancel();
    m.calls.clear();
    m.client.close();
  }

  /** Turns fair sharing on: free slots go to the bid whose tenant ranks lowest, and none past its tenant's maxShare of the pool's slots. */
  shareBy(fair: { rank(tenant: string): number; maxShare(tenant: string): number }): void {
    this.fair = fair;
  }

  /** Whether `tenant` holds all the slots of `pool` its maxShare allows (at least one, whatever the share). */
  capped(pool: Pool, tenant: string): boolean {
    const share = this.fair?.maxShare(tenant) ?? 1;
    if (share >= 1) return false;
    let slots = 0;
    for (const m of this.members) if (m.entry.pool === pool && !m.draining) slots += m.entry.maxBatchesInFlight;
    return (this.held[pool].get(tenant) ?? 0) >= Math.max(1, Math.floor(share * slots));
  }

  /** Resolves at the next change of the fleet or its slots (a slot released, say). */
  nextChange(): Promise<void> {
    return this.changed();
  }

  /** A bid for `pool`'s slots (see SlotBid); its holder passes it to waitForCapacity and acquire. */
  bid(pool: Pool, bulk = false): SlotBid {
    const bid: Bid = { pool, bulk, tenant: undefined, needs: undefined };
    return {
      key: bid,
      set: (tenant, needs) => {
        if (tenant === bid.tenant && needs === bid.needs) return;
        // The same tenant's claim on any slot holds back at least whom it held: no one needs to look again.
        const broadened = tenant !== undefined && tenant === bid.tenant && needs === undefined;
        bid.tenant = tenant;
        bid.needs = needs;
        if (tenant === undefined) this.bids.delete(bid);
        else this.bids.add(bid);
        // Others held back by this bid look again.
        if (!broadened) this.wake();
      },
    };
  }

  /** The worker of `pool` acquire() would give now, as batch forming needs to know it; undefined when none has room. */
  peek(pool: Pool): { idle: boolean; maxPaddedTokens: number } | undefined {
    const m = this.freest(pool);
    return m && { idle: m.inFlight === 0, maxPaddedTokens: m.entry.maxPaddedTokens ?? Infinity };
  }

  /**
   * Waits for a free slot on a healthy worker of `pool` that fits the batch: it runs the op and takes
   * its padded tokens (least loaded first). If no worker of the pool could ever fit it, any will do:
   * the worker then says why it cannot run it. Null once the pool is closed. `bulk` work (a batch
   * object's unit) leaves one slot of every worker that has several to interactive batches.
   */
  async acquire(pool: Pool, needs?: BatchNeeds, bulk = false, bid?: SlotBid): Promise<WorkerSlot | null> {
    for (;;) {
      if (this.closed) return null;
      const fits = needs && this.anyFits(pool, needs) ? needs : undefined;
      const best = this.freest(pool, fits, bulk);
      const tenant = (bid?.key as Bid | undefined)?.tenant;
      if (best && !this.outbid(bid, best) && !(tenant !== undefined && this.capped(pool, tenant))) {
        const slot = this.slot(best, bulk, tenant);
        // Bids held back while this one took its slot may find another free.
        if (this.bids.size) this.wake();
        return slot;
      }
      await this.changed();
    }
  }

  /**
   * Waits until some worker has a free slot, without taking it: a puller
   * waits here before it fetches, so that jobs stay in their queue (and
   * cancellable) while no worker could take them.
   */
  async waitForCapacity(pool: Pool, bulk = false, bid?: SlotBid): Promise<boolean> {
    for (;;) {
      if (this.closed) return false;
      const free = this.freest(pool, undefined, bulk);
      if (free && !this.outbid(bid, free)) return true;
      await this.changed();
    }
  }

  /**
   * Whether another bid ranks lower than `mine` and could use worker `m`. A puller with no bid
   * (it does not know yet whose work it has), or whose tenant is capped, is not held back: it
   * looks, and then bids. A capped bid holds no one back.
   */
  private outbid(mine: SlotBid | undefined, m: Member): boolean {
    const own = mine?.key as Bid | undefined;
    if (!this.fair || !own || !this.bids.has(own) || this.capped(own.pool, own.tenant!)) return false;
    const rank = this.fair.rank(own.tenant!);
    for (const b of this.bids) {
      if (b === own || b.pool !== m.entry.pool || this.fair.rank(b.tenant!) >= rank || this.capped(b.pool, b.tenant!)) continue;
      const fits = !b.needs || this.fits(m, b.needs) || !this.anyFits(b.pool, b.needs);
      if (fits && (!b.bulk || m.bulk < Math.max(1, m.entry.maxBatchesInFlight - 1))) return true;
    }
    return false;
  }

  private anyFits(pool: Pool, needs: BatchNeeds): boolean {
    return this.members.some((m) => m.entry.pool === pool && !m.draining && this.fits(m, needs));
  }

  private fits(m: Member, needs: BatchNeeds): boolean {
    return (!m.entry.ops || m.entry.ops.includes(needs.op)) && needs.paddedTokens <= (m.entry.maxPaddedTokens ?? Infinity);
  }

  /** The largest padded-token budget every worker of `pool` that runs `op` takes (undefined: none known). */
  budget(pool: Pool, op: string): number | undefined {
    let least: number | undefined;
    for (const m of this.members) {
      if (m.entry.pool !== pool || (m.entry.ops && !m.entry.ops.includes(op))) continue;
      least = Math.min(least ?? Infinity, m.entry.maxPaddedTokens ?? Infinity);
    }
    return least;
  }

  private freest(pool: Pool, needs?: BatchNeeds, bulk = false): Member | undefined {
    const now = Date.now();
    if (pool === 'spot' && !this.spotOpen()) return undefined;
    let best: Member | undefined;
    for (const m of this.members) {
      if (m.entry.pool !== pool || m.draining || m.suspectUntil > now || m.inFlight >= m.entry.maxBatchesInFlight) continue;
      if (needs && !this.fits(m, needs)) continue;
      if (bulk && m.bulk >= Math.max(1, m.entry.maxBatchesInFlight - 1)) continue;
      if (!best || m.inFlight / m.entry.maxBatchesInFlight < best.inFlight / best.entry.maxBatchesInFlight) best = m;
    }
    return best;
  }

  private changed(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.wakeAtNextRecovery(Date.now());
    });
  }

  /** No more slots: waiters get null. Batches already out keep their channel. */
  close(): void {
    this.closed = true;
    this.wake();
    clearTimeout(this.wakeTimer);
  }

  /** Closes the channels, once no batch is out. */
  dispose(): void {
    for (const m of this.members) m.client.close();
  }

  private slot(m: Member, bulk = false, tenant?: string): WorkerSlot {
    m.inFlight++;
    if (bulk) m.bulk++;
    const held = this.held[m.entry.pool];
    if (tenant !== undefined) held.set(tenant, (held.get(tenant) ?? 0) + 1);
    let released = false;
    return {
      workerId: m.entry.id,
      workerClass: m.entry.workerClass,
      proven: m.entry.proven ?? true,
      pool: m.entry.pool,
      workerIdle: () => m.inFlight <= 1,
      run: (request, timeoutMs) =>
        new Promise((resolve, reject) => {
          const metadata = new grpc.Metadata();
          if (this.dispatchSecret) metadata.set(DISPATCH_SECRET_HEADER, this.dispatchSecret);
          const call = m.client.runBatch(request, metadata, { deadline: Date.now() + timeoutMs }, (err, res) => {
            m.calls.delete(call);
            if (m.gone) reject(Object.assign(new Error(`worker ${m.entry.id} is gone: ${m.gone}`), { code: grpc.status.UNAVAILABLE, details: `worker ${m.entry.id} is gone: ${m.gone}` }));
            else if (err || !res) reject(err ?? new Error('empty reply'));
            else resolve(res);
          });
          m.calls.add(call);
        }),
      release: (failed) => {
        if (released) return;
        released = true;
        m.inFlight--;
        if (bulk) m.bulk--;
        if (tenant !== undefined) {
          const n = (held.get(tenant) ?? 1) - 1;
          if (n > 0) held.set(tenant, n);
          else held.delete(tenant);
        }
        if (failed) {
          m.failures++;
          const wait = Math.min(this.backoffMs * 2 ** (m.failures - 1), 60_000);
          m.suspectUntil = Date.now() + wait;
          this.log.warn({ workerId: m.entry.id, failures: m.failures, backoffMs: wait }, 'worker suspected');
        } else {
          m.failures = 0;
        }
        this.wake();
      },
    };
  }

  /** Look again (a window opened or closed). */
  wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** When every free worker is suspected, wake the waiters as the first one recovers. */
  private wakeAtNextRecovery(now: number): void {
    const next = Math.min(...this.members.filter((m) => m.suspectUntil > now).map((m) => m.suspectUntil));
    if (!Number.isFinite(next)) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.wake(), next - now + 1);
  }
}
