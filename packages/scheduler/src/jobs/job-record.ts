import { packLe32, unpackLe32, type OpSpec } from '@nightshift/proto';
import type { JobState } from './job-state.js';
import type { WindowQuote } from '../pricing/index.js';

/** Where a DEFERRED job waits: the window, when it is queued (ms), and its price there (US dollars). */
export interface Plan {
  window: string;
  start: number;
  price: number;
}

/** As the record and the event stream hold it: "window,start,price". */
export function encodePlan(p: Plan): string {
  return `${p.window},${p.start},${p.price}`;
}

export function parsePlan(s: string): Plan | undefined {
  const [window, start, price] = s.split(',');
  return window && start ? { window, start: Number(start), price: Number(price ?? 0) } : undefined;
}

/** A job as nightshift keeps it in Redis (its record), apart from its entry in the queueing layer. */
export interface JobRecord {
  id: string;
  tenant: string;
  spec: OpSpec;
  state: JobState;
  seq: number;
  priority: number;
  clientRef: string;
  tokenCount: number;
  bucket: string;
  queue: string;
  attempts: number;
  maxAttempts: number;
  error: string;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  kernelSeconds: number;
  workerId: string;
  batchId: string;
  /** Its current entry in the queueing layer's sets (see PendingEntry), to take it out on cancel. */
  entry: string;
  /** The quote it was admitted with (none when no worker class has a price). */
  quote?: WindowQuote;
  /** What its attempts cost so far, US dollars. */
  cost: number;
  /** When it must be finished by, ms (0: as soon as possible). */
  deadline: number;
  /** Set while it waits for a later window (DEFERRED), and kept after as where it was planned. */
  plan?: Plan;
  /** Why admission placed it where it did. */
  placement: string;
  /** Times a spot worker's preemption handed it back. */
  preemptions: number;
  /** Its result came from the result cache: nothing ran. */
  cached: boolean;
  /** What running it alone on demand would have cost, US dollars, as quoted at admission. */
  alonePrice: number;
  result?: Uint32Array | Float32Array;
}

/** What admission knows of a new job. */
export type NewJob = Pick<
  JobRecord,
  'id' | 'tenant' | 'spec' | 'priority' | 'clientRef' | 'tokenCount' | 'bucket' | 'queue' | 'maxAttempts' | 'createdAt' | 'entry' | 'quote' | 'deadline' | 'plan' | 'placement' | 'alonePrice'
> & {
  state: 'QUEUED' | 'DEFERRED' | 'SUCCEEDED';
  /** The caller's idempotency key, if any. */
  idempotencyKey: string;
  /** Where its result is cached once computed (see ResultCache), or '' for no caching. */
  cacheKey: string;
  /** A result found in the cache: the job is created SUCCEEDED with it. */
  cachedResult?: Uint32Array | Float32Array;
};

/** A result as records and the cache keep it: 4 little-endian bytes a value. */
export function encodeResult(value: Uint32Array | Float32Array): Buffer {
  return packLe32(value);
}

/** How a result's kind is recorded next to its bytes. */
export function resultKind(value: Uint32Array | Float32Array): 'u32' | 'f32' {
  return value instanceof Uint32Array ? 'u32' : 'f32';
}

export function decodeResult(kind: string, bytes: Buffer): Uint32Array | Float32Array {
  return unpackLe32(bytes, kind === 'u32' ? 'u32' : 'f32');
}

/** Record hash → JobRecord; the hash was read as Buffers so the result stays binary. */
export function parseRecord(h: Record<string, Buffer>): JobRecord | null {
  const s = (k: string): string => h[k]?.toString('utf8') ?? '';
  const n = (k: string): number => Number(s(k) || 0);
  if (!h.id || !h.state) return null;
  const rec: JobRecord = {
    id: s('id'),
    tenant: s('tenant'),
    spec: JSON.parse(s('spec')) as OpSpec,
    state: s('state') as JobState,
    seq: n('seq'),
    priority: n('priority'),
    clientRef: s('clientRef'),
    tokenCount: n('tokenCount'),
    bucket: s('bucket'),
    queue: s('queue'),
    attempts: n('attempts'),
    maxAttempts: n('maxAttempts'),
    error: s('error'),
    createdAt: n('createdAt'),
    startedAt: n('startedAt'),
    finishedAt: n('finishedAt'),
    kernelSeconds: n('kernelSeconds'),
    workerId: s('workerId'),
    batchId: s('batchId'),
    entry: s('entry'),
    cost: n('cost'),
    deadline: n('deadline'),
    placement: s('placement'),
    preemptions: n('preemptions'),
    cached: s('cached') === '1',
    alonePrice: n('alonePrice'),
  };
  const plan = parsePlan(s('plan'));
  if (plan) rec.plan = plan;
  if (h.quote) rec.quote = JSON.parse(s('quote')) as WindowQuote;
  if (h.result) rec.result = decodeResult(s('resultKind'), h.result);
  return rec;
}
