import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { findFreePort, redisAnswers, startRedisServer } from '../src/redis-server.js';

test('startRedisServer starts a server that answers PING, and stop() removes it and its temp dir', async () => {
  const server = await startRedisServer();
  try {
    assert.match(server.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(server.pid > 0);
    assert.ok(existsSync(server.dir), 'the temporary directory exists while the server runs');
    assert.equal(await redisAnswers(server.url), true);
  } finally {
    await server.stop();
  }
  assert.equal(await redisAnswers(server.url, 300), false);
  assert.equal(existsSync(server.dir), false, 'the temporary directory is removed on stop');
  // A second stop() is harmless.
  await server.stop();
});

test('startRedisServer keeps a directory it did not create', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-redis-test-'));
  try {
    const server = await startRedisServer({ dir, appendonly: true });
    assert.equal(server.dir, dir);
    assert.equal(await redisAnswers(server.url), true);
    await server.stop();
    assert.equal(existsSync(dir), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('redisAnswers is false when nothing listens', async () => {
  const port = await findFreePort();
  assert.equal(await redisAnswers(`redis://127.0.0.1:${port}`, 300), false);
  assert.equal(await redisAnswers('not a url'), false);
});

test('a missing redis-server binary gives an actionable error', async () => {
  const binary = path.join(os.tmpdir(), 'nightshift-no-such-dir', 'redis-server');
  await assert.rejects(startRedisServer({ binary }), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.match(err.message, /redis-server was not found/);
    assert.match(err.message, /apt-get install redis-server/);
    return true;
  });
});

test('redis-server missing from PATH gives an actionable error', async () => {
  const emptyDir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-empty-path-'));
  const savedPath = process.env.PATH;
  process.env.PATH = emptyDir;
  try {
    await assert.rejects(startRedisServer(), {
      message:
        'redis-server was not found on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; ' +
        'macOS: brew install redis) or set REDIS_URL to a running Redis',
    });
  } finally {
    process.env.PATH = savedPath;
    await rm(emptyDir, { recursive: true, force: true });
  }
});

test('a server that exits during start-up is reported with its own output', async () => {
  const server = await startRedisServer();
  try {
    // The port is taken, so the second server exits and says why.
    await assert.rejects(startRedisServer({ port: server.port }), /exited .*before accepting connections[\s\S]*(in use|bind)/i);
  } finally {
    await server.stop();
  }
});
