import { endianness } from 'node:os';
import { packLe32, type OpSpec, type PackedOutcomes } from '@nightshift/proto';
import type { BatchOutput } from '../backend/kernel-backend.js';

const LE = endianness() === 'LE';

/** The bytes of 32-bit values, little-endian: the same memory on a little-endian host, else a converted copy. */
function le32Bytes(values: Uint32Array | Float32Array): Buffer {
  return LE ? Buffer.from(values.buffer, values.byteOffset, values.byteLength) : packLe32(values);
}

/**
 * A packed request's reply: every result in one buffer and the failures by index, with no message
 * a job. `refused` holds the jobs this worker did not run, by index, with why; the others ran, in
 * order, as `output`'s jobs.
 */
export function packOutcomes(spec: OpSpec, count: number, refused: ReadonlyMap<number, string>, output: BatchOutput, segments: Uint32Array): PackedOutcomes {
  const offsets = new Array<number>(count + 1);
  // Each job's own kernel seconds, by its index in the request (0 for one not run): each segment's share of the call.
  const own = new Float64Array(count);
  offsets[0] = 0;
  const failed: number[] = [];
  const errors: string[] = [];
  let ran = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const why = refused.get(i);
    if (why === undefined) own[i] = output.jobSeconds[ran] ?? 0;
    const out = why === undefined ? output.jobs[ran++] : undefined;
    if (out?.ok) {
      at += out.value.length;
    } else {
      failed.push(i);
      errors.push(why ?? out?.error ?? 'kernel returned nothing');
    }
    offsets[i + 1] = at;
  }
  const kind = spec.op === 'minhash' ? 'u32' : 'f32';
  let values: Buffer;
  if (output.values && output.values.length === at && failed.length === refused.size) {
    // Every job run succeeded, and the backend already holds their results back to back.
    values = le32Bytes(output.values);
  } else {
    const all = kind === 'u32' ? new Uint32Array(at) : new Float32Array(at);
    let k = 0;
    for (const out of output.jobs) {
      if (!out.ok) continue;
      all.set(out.value, k);
      k += out.value.length;
    }
    values = le32Bytes(all);
  }
  return { kind, values, offsets, failed, errors, segmentSeconds: segmentSeconds(own, segments, output.seconds) };
}

/** The call's wall seconds shared among its segments by their jobs' own seconds (by job count when none were measured). */
function segmentSeconds(own: Float64Array, segments: Uint32Array, wall: number): number[] {
  let all = 0;
  for (const s of own) all += s;
  const out: number[] = [];
  for (let k = 0; k + 1 < segments.length; k++) {
    const [from, to] = [segments[k]!, segments[k + 1]!];
    let part = 0;
    for (let i = from; i < to; i++) part += own[i]!;
    out.push(all > 0 ? (wall * part) / all : (wall * (to - from)) / Math.max(1, own.length));
  }
  return out;
}
