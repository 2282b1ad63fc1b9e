import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { throttled } from '../src/index.js';

test('throttled logs a repeated message once per interval, with how often it happened, and other errors apart', () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  const log = pino({ level: 'warn' }, sink);
  const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
  for (let i = 0; i < 50; i++) throttled(log, 'warn', 'queue worker error', { err: refused, queue: `q${i}` }, { now: 1_000 + i });
  throttled(log, 'warn', 'queue worker error', { err: new Error('NOSCRIPT') }, { now: 1_100 });
  throttled(log, 'warn', 'queue worker error', { err: refused }, { now: 11_000 });
  throttled(log, 'warn', 'queue worker error', { err: refused }, { now: 11_500 });
  assert.deepEqual(
    lines.map((l) => [l.msg, (l.err as { message: string }).message, l.times]),
    [
      ['queue worker error', 'connect ECONNREFUSED 127.0.0.1:6379', 1],
      ['queue worker error', 'NOSCRIPT', 1],
      // Ten seconds after the first line: the 49 held back, and this one.
      ['queue worker error', 'connect ECONNREFUSED 127.0.0.1:6379', 50],
    ],
  );
  assert.equal(lines[0]!.queue, 'q0');
  // Many different errors, each once (past the point where old lines are forgotten): each is logged once.
  for (let i = 0; i < 3000; i++) throttled(log, 'warn', 'batch failed', { err: new Error(`batch ${i}`) }, { now: 100_000 + i * 20 });
  const failed = lines.filter((l) => l.msg === 'batch failed');
  assert.equal(failed.length, 3000);
  assert.ok(failed.every((l) => l.times === 1));
});
