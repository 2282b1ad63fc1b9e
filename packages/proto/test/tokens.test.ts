import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packTokens, unpackTokens, toTimestamp, fromTimestamp } from '../src/index.js';

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

test('timestamps keep millisecond precision', () => {
  for (const ms of [0, 1, 999, 1_700_000_000_123]) assert.equal(fromTimestamp(toTimestamp(ms)), ms);
});
