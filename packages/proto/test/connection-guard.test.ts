import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { connectionLimitsSchema, createLogger, listenHttp, loadNightshift, serve, serverCredentials } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger('test', 'silent');

/** A raw TCP connection that sends nothing; resolves once connected, and records when the server closed it. */
function idleSocket(port: number): Promise<{ socket: Socket; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, closed: () => closed }));
    socket.on('close', () => (closed = true));
    // Read what the server sends (its SETTINGS), else the end of the stream is never seen.
    socket.resume();
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The status of one call over a fresh channel of its own. */
async function callStatus(address: string, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}): Promise<string> {
  const Client = loadNightshift().grpcObject.nightshift.v1.WorkerService;
  const client = new Client(address, credentials, { 'grpc.use_local_subchannel_pool': 1, ...options });
  try {
    // No service is registered: UNIMPLEMENTED proves the connection worked.
    return await new Promise<string>((resolve) => client.runBatch({}, { deadline: Date.now() + 5000 }, (err) => resolve(err ? grpc.status[err.code] ?? 'UNKNOWN' : 'OK')));
  } finally {
    client.close();
  }
}

test('a gRPC port refuses connections over its per-address cap, closes silent ones, and keeps serving real clients', async () => {
  const limits = connectionLimitsSchema.parse({ maxPerAddress: 5, max: 100, firstBytesSeconds: 1 });
  const served = await serve('127.0.0.1:0', () => [], undefined, {}, { limits, log });
  try {
    const idle = await Promise.all(Array.from({ length: 8 }, () => idleSocket(served.port)));
    // The cap is 5 from one address: three are closed at once.
    await until('the excess closed', () => idle.filter((s) => s.closed()).length === 3, 3000);
    // A real client is refused too while the cap is full...
    assert.equal(await callStatus(`127.0.0.1:${served.port}`, undefined, { 'grpc.initial_reconnect_backoff_ms': 100 }), 'UNAVAILABLE');
    // ...and the silent five are closed after firstBytesSeconds, which frees the room.
    await until('the silent ones closed', () => idle.every((s) => s.closed()), 5000);
    assert.equal(await callStatus(`127.0.0.1:${served.port}`), 'UNIMPLEMENTED');
    // A client that sent its preface stays past the deadline: its call works after it.
    const Client = loadNightshift().grpcObject.nightshift.v1.WorkerService;
    const client = new Client(`127.0.0.1:${served.port}`, grpc.credentials.createInsecure());
    const call = () => new Promise<number>((resolve) => client.runBatch({}, (err) => resolve(err?.code ?? 0)));
    assert.equal(await call(), grpc.status.UNIMPLEMENTED);
    await sleep(1500);
    assert.equal(await call(), grpc.status.UNIMPLEMENTED);
    client.close();
  } finally {
    await served.shutdown(500);
  }
});

test('over TLS: the handshake works through the guard, silent connections are closed, and closed ones free their room', async () => {
  const f = (name: string) => join(dir, name);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('s.key'), '-out', f('s.crt'), '-days', '1', '-subj', '/CN=s', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  const limits = connectionLimitsSchema.parse({ maxPerAddress: 2, max: 100, firstBytesSeconds: 1 });
  const served = await serve('127.0.0.1:0', () => [], serverCredentials({ cert: f('s.crt'), key: f('s.key') }), {}, { limits, log });
  const tls = grpc.credentials.createSsl(readFileSync(f('s.crt')));
  try {
    // Sequential TLS clients, each closed before the next: more than the cap, so each must free its room.
    for (let i = 0; i < 4; i++) assert.equal(await callStatus(`127.0.0.1:${served.port}`, tls), 'UNIMPLEMENTED');
    const silent = await idleSocket(served.port);
    await until('the silent TLS connection closed', silent.closed, 5000);
  } finally {
    await served.shutdown(500);
  }
});

test('an HTTP port refuses connections over its per-address cap, closes silent ones, and keeps answering', async () => {
  const limits = connectionLimitsSchema.parse({ maxPerAddress: 4, max: 100, firstBytesSeconds: 1 });
  const http = await listenHttp('127.0.0.1:0', { '/ok': (_req, res) => void res.end('ok') }, log, { limits });
  const port = Number(http.address.split(':')[1]);
  try {
    const idle = await Promise.all(Array.from({ length: 6 }, () => idleSocket(port)));
    await until('the excess closed', () => idle.filter((s) => s.closed()).length === 2, 3000);
    await until('the silent ones closed', () => idle.every((s) => s.closed()), 5000);
    const res = await fetch(`http://${http.address}/ok`);
    assert.equal(await res.text(), 'ok');
  } finally {
    await http.close();
  }
});
