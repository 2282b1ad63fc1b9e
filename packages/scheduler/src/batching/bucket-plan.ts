import type { OpName } from '@nightshift/proto';
import { adaptiveBounds, bucketIndex, bucketName, geometricBounds, paddingToLongest, type BucketBounds } from './buckets.js';
import { queueName } from '../queueing/queue-name.js';

export interface BucketPlanOptions {
  /** Queue ranges: bounds from `first`, each `ratio` times the last. */
  queues: { first: number; ratio: number };
  /** Buckets within the queues: fixed geometric steps, or fitted to the lengths seen. */
  buckets: { mode: 'geometric' | 'adaptive'; ratio: number; count: number; every: number; sample: number; minGain: number };
  /** Longest job the system accepts: the last closed bound. */
  maxLength: number;
}

/** Where a job of some length waits: its queue (a range of lengths) and its bucket. */
export interface Placement {
  queue: string;
  bucket: string;
}

/**
 * Which queue and which bucket a job goes to. Queues are coarse and fixed
 * (each is a BullMQ queue with a dispatcher of its own); buckets are fine,
 * and only jobs of one bucket share a batch. In adaptive mode each op's
 * bucket bounds are refitted (adaptiveBounds) to the last `sample` lengths
 * every `every` jobs, and adopted only if they cut the padding on that
 * sample (paddingToLongest) by `minGain` or more, so that bounds do not flap. Jobs queued under old bounds
 * stay in their own pending sets, which are drained like any other.
 */
export class BucketPlan {
  private readonly queueBounds: BucketBounds;
  private readonly perOp = new Map<OpName, { bounds: BucketBounds; lengths: number[]; next: number; seen: number }>();

  constructor(private readonly opts: BucketPlanOptions) {
    this.queueBounds = geometricBounds(opts.queues.first, opts.maxLength, opts.queues.ratio);
  }

  place(op: OpName, length: number): Placement {
    const queue = queueName(op, bucketName(this.queueBounds, bucketIndex(this.queueBounds, length)));
    const bounds = this.state(op).bounds;
    return { queue, bucket: bucketName(bounds, bucketIndex(bounds, length)) };
  }

  /** The bucket bounds jobs of `op` are placed by now. */
  bounds(op: OpName): BucketBounds {
    return this.state(op).bounds;
  }

  /** Admission tells the lengths it admitted; in adaptive mode they shape the next bounds. */
  observe(op: OpName, lengths: readonly number[]): void {
    const b = this.opts.buckets;
    if (b.mode !== 'adaptive') return;
    const s = this.state(op);
    for (const n of lengths) {
      // A ring of the last `sample` lengths.
      if (s.lengths.length < b.sample) s.lengths.push(n);
      else s.lengths[s.seen % b.sample] = n;
      s.seen++;
    }
    if (s.seen < s.next) return;
    s.next = s.seen + b.every;
    const fitted = adaptiveBounds(s.lengths, b.count, this.opts.maxLength);
    const pad = (bounds: BucketBounds) => paddingToLongest(bounds, s.lengths);
    if (pad(fitted) < pad(s.bounds) * (1 - b.minGain)) s.bounds = fitted;
  }

  private state(op: OpName) {
    let s = this.perOp.get(op);
    if (!s) {
      const b = this.opts.buckets;
      s = { bounds: geometricBounds(this.opts.queues.first, this.opts.maxLength, b.ratio), lengths: [], next: b.every, seen: 0 };
      this.perOp.set(op, s);
    }
    return s;
  }
}
