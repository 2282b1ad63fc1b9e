// The line shapes `nightshift batch create` reads, and the op each line names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchOp, parseBatchLine, resolveUserOp } from '../src/cli/batch-lines.js';

const line = (o: unknown) => parseBatchLine(JSON.stringify(o));

test('Batch API lines: the text from body.input, body.text, body.prompt or the chat messages; token ids as tokens', () => {
  const req = (body: object) => line({ custom_id: 'a', method: 'POST', url: '/v1/x', body });
  assert.deepEqual(req({ input: 'one text' }), { customId: 'a', text: 'one text' });
  assert.deepEqual(req({ input: ['one text'] }), { customId: 'a', text: 'one text' });
  assert.deepEqual(req({ input: [1, 2, 3] }), { customId: 'a', tokens: [1, 2, 3] });
  assert.deepEqual(req({ input: [[4, 5]] }), { customId: 'a', tokens: [4, 5] });
  assert.deepEqual(req({ text: 't', op: 'embed', params: { dim: 8 } }), { customId: 'a', text: 't', op: 'embed', params: { dim: 8 } });
  assert.deepEqual(req({ prompt: ['p'] }), { customId: 'a', text: 'p' });
  assert.deepEqual(
    req({ system: [{ type: 'text', text: 'sys' }], messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'image', source: {} }, { type: 'text', text: 'there' }] }] }),
    { customId: 'a', text: 'sys\nhi\nthere' },
  );
  assert.match(String((req({ input: ['a', 'b'] }) as { error: string }).error), /an item is one text/);
  assert.match(String((req({ input: [1, -2] }) as { error: string }).error), /body\.input must be/);
  assert.match(String((req({ messages: [{ role: 'user', content: [{ type: 'image' }] }] }) as { error: string }).error), /body\.messages holds no text/);
  assert.match(String((req({ messages: [{ role: 'user', content: 7 }] }) as { error: string }).error), /body\.messages\[0\]\.content must be/);
  assert.match(String((req({ model: 'm' }) as { error: string }).error), /body has no text/);
  assert.match(String((line({ custom_id: 'a', body: 'x' }) as { error: string }).error), /"body" must be a JSON object/);
});

test('Anthropic batch requests and nightshift lines; what is not a line', () => {
  assert.deepEqual(line({ custom_id: 'c', params: { model: 'm', max_tokens: 5, system: 'be kind', messages: [{ role: 'user', content: 'q' }] } }), { customId: 'c', text: 'be kind\nq' });
  assert.deepEqual(line({ custom_id: 'n', text: 'x', op: 'minhash', params: { minhash: { num_perm: 8 } } }), { customId: 'n', text: 'x', op: 'minhash', params: { minhash: { num_perm: 8 } } });
  assert.deepEqual(line({ tokens: [7, 0, 4294967295] }), { customId: '', tokens: [7, 0, 4294967295] });
  assert.match(String((line({ tokens: [4294967296] }) as { error: string }).error), /"tokens" \(an array of unsigned 32-bit integers\)/);
  assert.match(String((parseBatchLine('{"text": ') as { error: string }).error), /^not JSON/);
  assert.equal((parseBatchLine('[1]') as { error: string }).error, 'not a JSON object');
  assert.equal((line({ custom_id: 5, text: 'x' }) as { error: string }).error, '"custom_id" must be a string');
  assert.match(String((line({ custom_id: 'é'.repeat(129), text: 'x' }) as { error: string }).error), /at most 256 bytes/);
});

test('params: wrapped or bare, snake_case or camelCase, unknown fields refused; one op a batch', () => {
  assert.deepEqual(resolveUserOp('minhash', { num_perm: 64 }).params, { numPerm: 64, shingle: 5, seed: '1' });
  assert.deepEqual(resolveUserOp('minhash', { minhash: { numPerm: '64', seed: 7 } }).params, { numPerm: 64, shingle: 5, seed: '7' });
  assert.deepEqual(resolveUserOp('embed', undefined).params, { dim: 256, seed: '1' });
  assert.throws(() => resolveUserOp('minhash', { dim: 8 }), /params\.minhash: unknown field "dim" \(known: num_perm, shingle, seed\)/);
  assert.throws(() => resolveUserOp('minhash', { embed: { dim: 8 } }), /embed params given for op minhash/);
  assert.throws(() => resolveUserOp('minhash', { num_perm: 0 }), /num_perm|numPerm/);
  assert.throws(() => resolveUserOp('minhash', { seed: 2 ** 60 }), /as a decimal string/);
  assert.throws(() => resolveUserOp('sort', {}), /unknown op "sort"/);

  const op = new BatchOp({ op: 'minhash' });
  assert.equal(op.check({}, () => 'line 1'), undefined, 'the flags are the default');
  assert.equal(op.check({ op: 'minhash', params: { num_perm: 128 } }, () => 'line 1'), undefined, 'the same spec, spelt out');
  assert.match(String(op.check({ params: { num_perm: 64 } }, () => 'set by line 1')), /op minhash\(numPerm=64,.*\) differs from the batch's minhash\(numPerm=128,.*\) \(set by line 1\)/);
  assert.match(String(new BatchOp({}).check({}, () => '')), /no op: give --op/);
});
