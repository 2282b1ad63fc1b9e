// A throwaway redis-server for the local demo and the tests.
//
// Only node built-ins are used on purpose: this module must work before any
// Redis client is configured, and its health check must not depend on the
// client library whose behaviour the tests are trying to observe.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface StartRedisOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Turn on the append-only file (default: off). */
  appendonly?: boolean;
  /** Working directory for redis-server; a temporary one is created (and later removed) when omitted. */
  dir?: string;
  /** Executable to run; defaults to `redis-server` looked up on PATH. */
  binary?: string;
  /** More arguments for redis-server. */
  args?: string[];
}

export interface RedisServerHandle {
  url: string;
  port: number;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const READY_POLL_MS = 50;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;
// Retrying only makes sense when we picked the port ourselves: another
// process may grab it between findFreePort() closing it and redis binding it.
const PORT_RACE_ATTEMPTS = 3;

export const REDIS_NOT_FOUND_HINT =
  'install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis';

export async function findFreePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => {
        if (err) reject(err);
        else if (port === 0) reject(new Error(`could not determine a free port on ${host}`));
        else resolve(port);
      });
    });
  });
}

/** True when something at `url` answers PING with +PONG within `timeoutMs`. Never throws. */
export async function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  // One RESP line is the whole answer: "+PONG", or e.g. "-NOAUTH ..." / "-LOADING ...".
  const reply = await exchange(url, '*1\r\n$4\r\nPING\r\n', timeoutMs, (buf) => buf.includes('\r\n'));
  return reply?.toString('utf8').startsWith('+PONG\r\n') ?? false;
}

/**
 * The process id of the server at `url` (from INFO server), or undefined.
 * A PONG alone cannot tell our child from another server already on that port.
 */
async function redisServerPid(url: string, timeoutMs: number): Promise<number | undefined> {
  const reply = await exchange(url, '*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n', timeoutMs, bulkComplete);
  const match = reply?.toString('utf8').match(/\r\nprocess_id:(\d+)\r\n/);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Whether `buf` holds a complete RESP reply that is a bulk string or a single line. */
function bulkComplete(buf: Buffer): boolean {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return false;
  if (buf[0] !== 0x24 /* '$' */) return true;
  const length = Number(buf.subarray(1, eol).toString('latin1'));
  return length < 0 || buf.length >= eol + 2 + length + 2;
}

/** Sends one raw RESP request and collects the reply until `complete`; undefined on any failure. */
function exchange(
  url: string,
  request: string,
  timeoutMs: number,
  complete: (reply: Buffer) => boolean,
): Promise<Buffer | undefined> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    // URL keeps the brackets of IPv6 literals; net.connect wants them stripped.
    host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || HOST;
    port = parsed.port === '' ? 6379 : Number(parsed.port);
  } catch {
    return Promise.resolve(undefined);
  }

  return new Promise((resolve) => {
    let reply = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect({ host, port });
    const finish = (answer: Buffer | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);

    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      if (complete(reply)) finish(reply);
    });
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
  });
}

export async function startRedisServer(opts: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'nightshift-redis-')));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await findFreePort(HOST));
      try {
        return await launch({ ...opts, port, dir, ownsDir });
      } catch (err) {
        const portRace = err instanceof PortInUseError && opts.port === undefined;
        if (!portRace || attempt >= PORT_RACE_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

class PortInUseError extends Error {}

interface LaunchOptions {
  port: number;
  dir: string;
  ownsDir: boolean;
  appendonly?: boolean;
  binary?: string;
  args?: string[];
}

async function launch(opts: LaunchOptions): Promise<RedisServerHandle> {
  const binary = opts.binary ?? 'redis-server';
  const args = [
    '--port', String(opts.port),
    '--bind', HOST,
    '--dir', opts.dir,
    '--save', '', // no RDB snapshots: the data is disposable
    '--appendonly', opts.appendonly ? 'yes' : 'no',
    '--daemonize', 'no', // we must own the process to be able to stop it
    ...(opts.args ?? []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  // redis logs to stdout by default; keep a tail of both streams so a failed
  // start can be explained with the server's own words.
  let output = '';
  const keepTail = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  // The child must not outlive us, even if the caller never calls stop().
  // Only synchronous work is possible in an 'exit' handler.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    if (opts.ownsDir) {
      try {
        rmSync(opts.dir, { recursive: true, force: true });
      } catch {
        // best effort: the process is going away anyway
      }
    }
  };
  process.on('exit', killOnExit);

  // Do not let a forgotten server keep the parent alive: once nothing else is
  // pending, the parent exits and the 'exit' hook above kills the child.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  // Resolves once there is no process left: it exited, or it never started
  // (spawn failures such as ENOENT emit 'error' and no 'exit').
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // A permanent listener also keeps a late 'error' (e.g. from kill()) from crashing the parent.
    child.on('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
  void exited.then(() => process.off('exit', killOnExit));

  const url = `redis://${HOST}:${opts.port}`;
  try {
    await waitUntilReady(child, binary, url, () => output);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // SIGTERM makes redis shut down cleanly; with `save ""` that is SHUTDOWN NOSAVE.
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(killer);
      if (opts.ownsDir) await rm(opts.dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  return { url, port: opts.port, dir: opts.dir, pid: child.pid ?? -1, stop };
}

/** Resolves once the child answers on `url`; rejects if it cannot start, exits first, or takes too long. */
function waitUntilReady(
  child: ChildProcess,
  binary: string,
  url: string,
  outputTail: () => string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const settle = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      child.off('error', onError);
      child.off('close', onExit);
      if (err) reject(err);
      else resolve();
    };

    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'ENOENT') {
        const where = binary === 'redis-server' ? 'on PATH' : `at ${binary}`;
        settle(new Error(`redis-server was not found ${where}: ${REDIS_NOT_FOUND_HINT}`));
      } else {
        settle(new Error(`could not start ${binary}: ${err.message}`));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      const tail = outputTail().trim();
      const how = signal ? `signal ${signal}` : `code ${code}`;
      const message = `redis-server exited with ${how} before accepting connections${tail ? `:\n${tail}` : ''}`;
      settle(/address already in use/i.test(tail) ? new PortInUseError(message) : new Error(message));
    };
    child.once('error', onError);
    // 'close' rather than 'exit': it comes after the output pipes are drained,
    // so the tail includes the server's last words.
    child.once('close', onExit);

    const deadline = setTimeout(() => {
      const tail = outputTail().trim();
      settle(new Error(`redis-server did not answer PING at ${url} within ${READY_TIMEOUT_MS} ms${tail ? `:\n${tail}` : ''}`));
    }, READY_TIMEOUT_MS);

    const poll = async (): Promise<void> => {
      while (!done) {
        // Ready means *our* child answers, not just anything on that port.
        if ((await redisServerPid(url, 500)) === child.pid) return settle();
        await new Promise((r) => setTimeout(r, READY_POLL_MS));
      }
    };
    void poll();
  });
}

export interface RedisClusterHandle {
  /** host:port of every master. */
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/** A Redis Cluster of `masters` nodes on loopback (no replicas, no persistence), its slots spread evenly. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const servers: RedisServerHandle[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      servers.push(await startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    const addresses = servers.map((s) => `${HOST}:${s.port}`);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
    for (const s of servers) {
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (!/cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(s.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout)) {
        if (Date.now() > deadline) throw new Error(`cluster node ${s.port} did not reach cluster_state:ok`);
        await new Promise((r) => setTimeout(r, READY_POLL_MS));
      }
    }
    return { nodes: servers.map((s) => ({ host: HOST, port: s.port })), stop: async () => void (await Promise.all(servers.map((s) => s.stop()))) };
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
}
