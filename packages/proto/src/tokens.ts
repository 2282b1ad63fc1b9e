/**
 * Token ids cross the wire as unsigned 32-bit little-endian integers packed
 * in a bytes field: 4 bytes a token instead of a varint per repeated element.
 */

import { endianness } from 'node:os';

// On little-endian hosts (all that Node runs on in practice) the wire layout is the memory layout: copy bytes.
const LE = endianness() === 'LE';

export function packTokens(tokens: Uint32Array | readonly number[]): Buffer {
  if (tokens instanceof Uint32Array) return packLe32(tokens);
  const out = Buffer.allocUnsafe(tokens.length * 4);
  for (let i = 0; i < tokens.length; i++) out.writeUInt32LE(tokens[i]!, i * 4);
  return out;
}

/** 32-bit values (token ids, or a kernel's result) as 4 little-endian bytes each, in a Buffer of their own. */
export function packLe32(values: Uint32Array | Float32Array): Buffer {
  if (LE) return Buffer.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  const out = Buffer.allocUnsafe(values.length * 4);
  if (values instanceof Uint32Array) values.forEach((v, i) => out.writeUInt32LE(v, i * 4));
  else values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

/** packLe32's inverse, into a new array of the given kind (a trailing partial value is dropped). */
export function unpackLe32(bytes: Uint8Array, kind: 'u32' | 'f32'): Uint32Array | Float32Array {
  const n = bytes.byteLength >> 2;
  const out = kind === 'u32' ? new Uint32Array(n) : new Float32Array(n);
  if (LE) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * 4));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = kind === 'u32' ? view.getUint32(i * 4, true) : view.getFloat32(i * 4, true);
  return out;
}

/**
 * Throws a RangeError when the byte length is not a multiple of 4.
 * `shared` puts the ids in a SharedArrayBuffer, for kernel threads to read without a copy each.
 */
export function unpackTokens(bytes: Uint8Array, shared = false): Uint32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new RangeError(`byte length ${bytes.byteLength} is not a multiple of 4 (uint32 little-endian token ids)`);
  }
  const n = bytes.byteLength / 4;
  const out = new Uint32Array(shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
  if (LE) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/**
 * 32-bit values over the same memory when they can be (a little-endian host, and bytes that start
 * 4-byte aligned, as large buffers do); else unpackLe32's copy. For large values read once: a copy
 * of megabytes costs more than the read.
 */
export function viewLe32(bytes: Uint8Array, kind: 'u32' | 'f32'): Uint32Array | Float32Array {
  if (LE && bytes.byteOffset % 4 === 0) {
    const n = bytes.byteLength >> 2;
    return kind === 'u32' ? new Uint32Array(bytes.buffer, bytes.byteOffset, n) : new Float32Array(bytes.buffer, bytes.byteOffset, n);
  }
  return unpackLe32(bytes, kind);
}
