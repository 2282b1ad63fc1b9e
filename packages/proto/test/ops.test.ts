import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOp, opKey, ParamError } from '../src/index.js';

test('defaults fill in unset params', () => {
  assert.deepEqual(resolveOp('minhash', null), { op: 'minhash', params: { numPerm: 128, shingle: 5, seed: '1' } });
  assert.deepEqual(resolveOp('embed', { op: 'embed', embed: { dim: '8' } }), { op: 'embed', params: { dim: 8, seed: '1' } });
});

test('bad params name the field', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['', null, /^op: is required/],
    ['sort', null, /^op: unknown op "sort"/],
    ['embed', { op: 'minhash', minhash: {} }, /^params: minhash params given for op embed/],
    ['minhash', { op: 'minhash', minhash: { numPerm: '-3' } }, /^params\.minhash\.numPerm: must be between 1 and 1024, got -3/],
    ['attention', { op: 'attention', attention: { dim: '99999999999999999999999' } }, /^params\.attention\.dim: must be between 8 and 4096/],
    ['embed', { op: 'embed', embed: { seed: '18446744073709551616' } }, /^params\.embed\.seed: must be a decimal integer from 0 to 2\^64-1/],
    ['embed', { op: 'embed', embed: { seed: '-1' } }, /^params\.embed\.seed:/],
  ];
  for (const [op, params, want] of cases) {
    assert.throws(() => resolveOp(op, params as never), (e: unknown) => e instanceof ParamError && want.test(e.message), `${op} ${JSON.stringify(params)}`);
  }
});

test('the largest seed is accepted and the batching key tells params apart', () => {
  const a = resolveOp('embed', { op: 'embed', embed: { seed: '18446744073709551615' } });
  const b = resolveOp('embed', { op: 'embed', embed: { seed: '2' } });
  assert.equal(opKey(a), 'embed(dim=256,seed=18446744073709551615)');
  assert.notEqual(opKey(a), opKey(b));
});

test('params given as a plain object, without the oneof marker, are read too', () => {
  assert.deepEqual(resolveOp('attention', { attention: { dim: '32' } } as never), { op: 'attention', params: { dim: 32, seed: '1' } });
  assert.throws(() => resolveOp('embed', { minhash: {} } as never), /params: minhash params given for op embed/);
});
