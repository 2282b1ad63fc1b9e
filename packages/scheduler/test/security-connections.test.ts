// Issue 26, part 3: idle connections were never closed. 20,000 sockets that never sent a byte
// ran the scheduler out of descriptors on both ports; a SubmitStream that sent nothing stayed open.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { packTokens, type SubmitStreamResponse__Output } from '@nightshift/proto';
import { TENANT_HEADER } from '../src/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';

const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

const limits = { maxPerAddress: 40, max: 150, firstBytesSeconds: 5 };

interface Idle {
  socket: Socket;
  closed(): boolean;
}

/**
 * `n` raw TCP connections from `from` (another loopback address than the honest client's
 * 127.0.0.1, so that the per-address cap tells them apart) that never send a byte.
 */
async function idleSockets(port: number, from: string, n: number): Promise<Idle[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      new Promise<Idle>((resolve) => {
        let closed = false;
        const socket = connect({ port, host: '127.0.0.1', localAddress: from });
        socket.on('close', () => (closed = true));
        socket.on('error', () => {});
        // Read what the server sends (HTTP/2 SETTINGS), else its end is never seen.
        socket.resume();
        const idle = { socket, closed: () => closed };
        socket.once('connect', () => resolve(idle));
        socket.once('close', () => resolve(idle));
      }),
    ),
  );
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

const open = (s: Idle[]) => s.filter((x) => !x.closed()).length;
const port = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

async function honestJob(system: TestSystem, seed: number): Promise<void> {
  const client = system.client('acme');
  const job = await client.submit({ op: 'minhash', tokens: packTokens(Uint32Array.from({ length: 64 }, (_, i) => i * 7 + seed)) });
  const events = await watchUntilFinal(client, [job.id], 30_000);
  assert.equal(events.get(job.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
}

test('idle connections over the caps are refused, silent ones are closed, and an honest client is served meanwhile', async () => {
  const system = await startSystem('sec-conn', { workers: 1, workerEnv: { NIGHTSHIFT_KERNELS: 'ts' }, config: { metricsListen: '127.0.0.1:0', connections: limits } });
  stops.push(() => system.stop());
  const grpcPort = port(system.scheduler.address);
  const httpPort = port(system.scheduler.metricsAddress!);

  // 200 silent sockets from one address to each port: the cap keeps 40 of each, the rest are closed at once.
  const [onGrpc, onHttp] = await Promise.all([idleSockets(grpcPort, '127.0.0.2', 200), idleSockets(httpPort, '127.0.0.2', 200)]);
  await until('the excess closed on both ports', () => open(onGrpc) === limits.maxPerAddress && open(onHttp) === limits.maxPerAddress, 2000);

  // Meanwhile an honest client, from its own address, submits and gets its result, and /metrics answers.
  await honestJob(system, 1);
  const metrics = await fetch(`http://${system.scheduler.metricsAddress}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /nightshift_/);

  // The silent ones are closed once firstBytesSeconds pass; the honest client's connection stays.
  await until('the silent connections closed', () => open(onGrpc) === 0 && open(onHttp) === 0, (limits.firstBytesSeconds + 5) * 1000);
  await honestJob(system, 2);

  // From several addresses at once, the total cap holds: at most `max` are kept, the rest closed at once.
  const many = (await Promise.all(['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'].map((from) => idleSockets(grpcPort, from, limits.maxPerAddress)))).flat();
  await sleep(500);
  assert.ok(open(many) < limits.max, `${open(many)} of ${many.length} kept open; the cap is ${limits.max} with the honest client's`);
  assert.ok(open(many) >= limits.max - 5, `${open(many)} kept open: the cap, not something else, closed the rest`);
  await until('the silent connections closed', () => open(many) === 0, (limits.firstBytesSeconds + 5) * 1000);
  await honestJob(system, 3);
});

test('a SubmitStream that sends nothing is ended with DEADLINE_EXCEEDED, after the replies to what it sent', async () => {
  const system = await startSystem('sec-stream', { workers: 1, workerEnv: { NIGHTSHIFT_KERNELS: 'ts' }, config: { streams: { submitIdleSeconds: 2 } } });
  stops.push(() => system.stop());
  const client = system.client('acme');

  const outcome = (send: number) =>
    new Promise<{ replies: SubmitStreamResponse__Output[]; status: grpc.StatusObject; ms: number }>((resolve) => {
      const started = Date.now();
      const replies: SubmitStreamResponse__Output[] = [];
      const metadata = new grpc.Metadata();
      metadata.set(TENANT_HEADER, 'acme');
      const call = client.raw.submitStream(metadata);
      call.on('data', (r: SubmitStreamResponse__Output) => replies.push(r));
      call.on('error', () => {});
      call.on('status', (status: grpc.StatusObject) => resolve({ replies, status, ms: Date.now() - started }));
      for (let i = 0; i < send; i++) call.write({ requestId: `r${i}`, job: { op: 'minhash', tokens: packTokens(Uint32Array.of(i + 1, 2, 3)) } });
      // …and then nothing, without closing its side.
      setTimeout(() => call.cancel(), 20_000).unref();
    });

  const silent = await outcome(0);
  assert.equal(silent.status.code, grpc.status.DEADLINE_EXCEEDED, `${grpc.status[silent.status.code]}: ${silent.status.details}`);
  assert.match(silent.status.details, /SubmitStream sent nothing for 2 s/);
  assert.ok(silent.ms >= 1500, `ended after ${silent.ms} ms`);

  const some = await outcome(3);
  assert.equal(some.status.code, grpc.status.DEADLINE_EXCEEDED);
  assert.deepEqual(some.replies.map((r) => [r.requestId, Boolean(r.job?.id)]), [['r0', true], ['r1', true], ['r2', true]], 'each request sent was answered first');
});
