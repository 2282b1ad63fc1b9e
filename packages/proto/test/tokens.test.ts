import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packTokens, unpackTokens, packLe32, unpackLe32, toTimestamp, fromTimestamp } from '../src/index.js';

test('tokens round-trip through little-endian bytes, including the extremes', () => {
  const ids = Uint32Array.from([0, 1, 255, 256, 65_535, 0x7fffffff, 0xffffffff]);
  const bytes = packTokens(ids);
  assert.equal(bytes.length, ids.length * 4);
  assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(unpackTokens(bytes), ids);
});

test('unpacking reads an unaligned view correctly', () => {
  const backing = Buffer.alloc(13);
  packTokens([7, 0xdeadbeef, 3]).copy(backing, 1);
  assert.deepEqual([...unpackTokens(backing.subarray(1))], [7, 0xdeadbeef, 3]);
});

test('a byte length that is not a multiple of 4 is refused', () => {
  assert.throws(() => unpackTokens(Buffer.alloc(7)), /byte length 7 is not a multiple of 4/);
});

test('results (u32 and f32) round-trip through little-endian bytes, from a view into a larger array too', () => {
  const floats = Float32Array.from([0, -1.5, 3.25, 1e-30, Number.MAX_VALUE, -0]);
  const f = packLe32(floats);
  assert.deepEqual([...f.subarray(4, 8)], [0, 0, 0xc0, 0xbf]); // -1.5
  assert.deepEqual(unpackLe32(f, 'f32'), floats);
  const backing = Uint32Array.from([9, 0xdeadbeef, 1, 9]);
  const packed = packLe32(backing.subarray(1, 3));
  assert.equal(packed.length, 8);
  backing[1] = 0; // a copy, not a view of the source
  assert.deepEqual([...unpackLe32(packed, 'u32')], [0xdeadbeef, 1]);
  // From an unaligned view, and a trailing partial value dropped.
  const odd = Buffer.alloc(11);
  packed.copy(odd, 1);
  assert.deepEqual([...unpackLe32(odd.subarray(1), 'u32')], [0xdeadbeef, 1]);
});

test('timestamps keep millisecond precision', () => {
  for (const ms of [0, 1, 999, 1_700_000_000_123]) assert.equal(fromTimestamp(toTimestamp(ms)), ms);
});
