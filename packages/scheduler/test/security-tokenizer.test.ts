import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { startSystem, type TestSystem } from './helpers/system.js';

// Issue 19: one client sending the most expensive texts it may, as fast as it can, does not hold
// up another client's small jobs. Real gRPC, the real scheduler and tokenizer.
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The bound this test holds an honest client's Submit p99 to while the attack runs. */
const HONEST_P99_MS = 150;

async function honestLatencies(sys: TestSystem, n: number): Promise<number[]> {
  const c = sys.client('alice');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await c.submit({ op: 'embed', text: `An honest question, number ${i}, about the weather in the hills this week and whether the trains will run.` });
    out.push(performance.now() - started);
  }
  return out;
}

const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1]!;

test('a client sending texts of one repeated character at its size limit, as fast as it can, does not delay an honest client', async () => {
  const limit = 100_000;
  const sys = await startSystem('tokenizer-attack', {
    workers: 0,
    config: { tokenizerThreads: 2, tokenizerQueuePerTenant: 3, jobs: { maxBytesPerToken: 32 }, limits: { tenants: { mallory: { maxTokensPerJob: limit } } } },
  });
  cleanups.push(() => sys.stop());
  const before = await honestLatencies(sys, 150);

  // The longest text mallory may send (its limit × 32 bytes), all one piece: the case a quadratic merge takes hours on.
  const text = 'a'.repeat(limit * 32);
  const hostile = sys.client('mallory');
  const codes = new Map<string, number>();
  let attacking = true;
  const attack = Array.from({ length: 6 }, async () => {
    while (attacking) {
      const code = await hostile.submit({ op: 'embed', text }).then(() => 'OK', (err: grpc.ServiceError) => grpc.status[err.code]);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  });
  // Let the attack fill the tokenizer's threads first.
  await new Promise((r) => setTimeout(r, 500));
  const during = await honestLatencies(sys, 300);
  attacking = false;
  await Promise.all(attack);

  const sent = [...codes.values()].reduce((a, b) => a + b, 0);
  assert.ok(sent >= 6, `the attack ran: ${JSON.stringify(Object.fromEntries(codes))}`);
  // Tokenized up to its limit and refused (INVALID_ARGUMENT), or refused untokenized while it has 3 texts waiting (tokenizerQueuePerTenant).
  assert.deepEqual([...codes.keys()].filter((c) => c !== 'INVALID_ARGUMENT' && c !== 'RESOURCE_EXHAUSTED'), []);
  assert.ok((codes.get('RESOURCE_EXHAUSTED') ?? 0) > 0, `one tenant may not queue more than tokenizerQueuePerTenant long texts: ${JSON.stringify(Object.fromEntries(codes))}`);
  const msg = `honest Submit p99 ${p99(during).toFixed(1)} ms under attack (${p99(before).toFixed(1)} ms before); ${sent} hostile texts of ${text.length} bytes`;
  assert.ok(p99(during) < HONEST_P99_MS, msg);
  process.stdout.write(`# ${msg}\n`);
});
