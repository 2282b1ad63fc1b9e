import { endianness } from 'node:os';
import type { ItemOutcome } from '../batch-objects/index.js';

const LE = endianness() === 'LE';

/**
 * A BatchResults message, encoded here rather than by the generic encoder: a result is a typed
 * array, and the generic path would copy it into a JavaScript array and write it a value at a time
 * through a list of pending writes, for every item of a million. Here the message's size is
 * counted first, then it is written into one buffer. An f32 vector's bytes are its packed field.
 *
 *   BatchResults { repeated BatchItemResult results = 1; }
 *   BatchItemResult { uint64 index = 1; string custom_id = 2; JobResult result = 3; string error = 4; double cost = 5; bool cached = 6; }
 *   JobResult { repeated uint32 signature = 1; repeated float vector = 2; }
 */
export function encodeBatchResults(items: readonly ItemOutcome[]): Buffer {
  const sizes = new Array<{ item: number; result: number; packed: number; id: number; error: number }>(items.length);
  let total = 0;
  items.forEach((o, k) => {
    const id = Buffer.byteLength(o.customId);
    let item = 0;
    if (o.index) item += 1 + varintSize(o.index);
    if (id) item += 1 + varintSize(id) + id;
    let result = 0;
    let packed = 0;
    let error = 0;
    if (o.error !== undefined) {
      error = Buffer.byteLength(o.error);
      item += 1 + varintSize(error) + error;
    } else if (o.result) {
      if (o.result.length) {
        if (o.kind === 'f32') packed = o.result.byteLength;
        else for (let i = 0; i < o.result.length; i++) packed += varintSize(o.result[i]!);
        result = 1 + varintSize(packed) + packed;
      }
      item += 1 + varintSize(result) + result;
    }
    if (o.cost) item += 9;
    if (o.cached) item += 2;
    sizes[k] = { item, result, packed, id, error };
    total += 1 + varintSize(item) + item;
  });
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  const varint = (v: number) => {
    while (v >= 0x80) {
      out[at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    out[at++] = v;
  };
  items.forEach((o, k) => {
    const z = sizes[k]!;
    out[at++] = (1 << 3) | 2;
    varint(z.item);
    if (o.index) {
      out[at++] = 1 << 3;
      varint(o.index);
    }
    if (z.id) {
      out[at++] = (2 << 3) | 2;
      varint(z.id);
      at += out.write(o.customId, at, 'utf8');
    }
    if (o.error !== undefined) {
      out[at++] = (4 << 3) | 2;
      varint(z.error);
      at += out.write(o.error, at, 'utf8');
    } else if (o.result) {
      out[at++] = (3 << 3) | 2;
      varint(z.result);
      if (o.result.length) {
        out[at++] = o.kind === 'f32' ? (2 << 3) | 2 : (1 << 3) | 2;
        varint(z.packed);
        if (o.kind === 'f32' && LE) {
          out.set(new Uint8Array(o.result.buffer, o.result.byteOffset, o.result.byteLength), at);
          at += o.result.byteLength;
        } else if (o.kind === 'f32') {
          for (let i = 0; i < o.result.length; i++, at += 4) out.writeFloatLE(o.result[i]!, at);
        } else {
          const r = o.result;
          for (let i = 0; i < r.length; i++) {
            let v = r[i]!;
            while (v >= 0x80) {
              out[at++] = (v & 0x7f) | 0x80;
              v >>>= 7;
            }
            out[at++] = v;
          }
        }
      }
    }
    if (o.cost) {
      out[at++] = (5 << 3) | 1;
      out.writeDoubleLE(o.cost, at);
      at += 8;
    }
    if (o.cached) {
      out[at++] = 6 << 3;
      out[at++] = 1;
    }
  });
  if (at !== total) throw new Error(`BatchResults encoded to ${at} bytes, not the ${total} counted`);
  return out;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
