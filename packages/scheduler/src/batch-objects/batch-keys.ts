/**
 * A batch object's Redis keys. Everything of one batch shares its own hash tag
 * (`{bo:<id>}`), so one script may touch its record, chunks, units and results
 * together; what belongs to the tenant (its list of batches, its idempotency
 * keys, its reservations) sits under the tenant's tag, beside its ledger.
 */
export class BatchKeys {
  constructor(readonly prefix: string) {}

  private batch(id: string): string {
    return `${this.prefix}:{bo:${id}}`;
  }

  /** The batch's record (HASH). */
  meta(id: string): string {
    return `${this.batch(id)}:meta`;
  }

  /** Uploaded chunk k (STRING: item-chunk), until its planning window has been cut into units. */
  items(id: string, k: number): string {
    return `${this.batch(id)}:items:${k}`;
  }

  /** Planned unit u (STRING: unit-codec's unit), until it has run. */
  unit(id: string, u: number): string {
    return `${this.batch(id)}:unit:${u}`;
  }

  /** Unit u's results (STRING: unit-codec's results). */
  results(id: string, u: number): string {
    return `${this.batch(id)}:res:${u}`;
  }

  /**
   * Unit results keys in 20 bytes (the batch's UUID and the unit's number), for the result cache's
   * references to them; any other key is left as it is.
   */
  readonly resultsKeyCodec = {
    pack: (key: string): Buffer | undefined => {
      const m = /^\{bo:([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}:res:(\d{1,10})$/.exec(key.startsWith(`${this.prefix}:`) ? key.slice(this.prefix.length + 1) : '');
      if (!m || Number(m[6]) > 0xffff_ffff) return undefined;
      const out = Buffer.allocUnsafe(20);
      out.write(m.slice(1, 6).join(''), 0, 'hex');
      out.writeUInt32LE(Number(m[6]), 16);
      return out;
    },
    unpack: (b: Buffer): string => {
      const h = b.toString('hex', 0, 16);
      return this.results(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`, b.readUInt32LE(16));
    },
  };

  /** Planning window w: its items' ids and where each one's result is (STRING: unit-codec's window). */
  window(id: string, w: number): string {
    return `${this.batch(id)}:win:${w}`;
  }

  /** The results window w took from the result cache (STRING: unit-codec's results). */
  cached(id: string, w: number): string {
    return `${this.batch(id)}:cached:${w}`;
  }

  /** One bit a unit: set once its results are stored. */
  done(id: string): string {
    return `${this.batch(id)}:done`;
  }

  /** Who plans the batch now (STRING with an expiry): one replica at a time. */
  planner(id: string): string {
    return `${this.batch(id)}:planner`;
  }

  /** Every batch of the tenant, scored by creation time (ZSET). */
  list(tenant: string): string {
    return `${this.prefix}:{t:${tenant}}:batches`;
  }

  /** The batch an idempotency key names (STRING: its id). */
  idempotency(tenant: string, key: string): string {
    return `${this.prefix}:{t:${tenant}}:batch-idem:${key}`;
  }

  /** What each admitted batch of the tenant still holds reserved (HASH: id → dollars, id:p → its period). */
  reservations(tenant: string): string {
    return `${this.prefix}:{t:${tenant}}:batch-reserved`;
  }

  /** One bit a unit whose cost the tenant's ledger has taken (BITMAP per batch, under the tenant's tag). */
  charged(tenant: string, id: string): string {
    return `${this.prefix}:{t:${tenant}}:batch-charged:${id}`;
  }

  /** Batches not yet final, all tenants (ZSET: id → its creation time), for the sweeper. */
  active(): string {
    return `${this.prefix}:{batches}:active`;
  }

  /** Final batches (ZSET: id → when they ended), removed once their retention is over. */
  retired(): string {
    return `${this.prefix}:{batches}:retired`;
  }
}
