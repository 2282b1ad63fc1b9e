import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  child: ChildProcess;
  /** The first line the service prints on stdout: {"ready":true,"address":…}. */
  ready: { address: string; id?: string; metricsAddress?: string };
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, then wait: a crash. */
  kill(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * Node flags the scheduler runs with, here and in its image (deploy/docker/scheduler.Dockerfile, which
 * packages/scheduler/test/deploy.test.ts holds to this). A young generation of 32 MB a semi-space instead of 16: admission
 * and dispatch make many short-lived objects. 64 cost no less CPU a job or a document (side by side in
 * `BENCH_QUICK=minhash pnpm bench:batching`, 2026-12-04) and held some 30 MB more at the peak of `pnpm bench:bulk`.
 */
export const SCHEDULER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
// Run from source (through tsx) when we run from source ourselves, else the built files; NIGHTSHIFT_SERVICES=dist
// runs the built files in any case (a bench that measures memory: tsx alone holds some 200 MB).
const fromSource = import.meta.url.endsWith('.ts') && process.env.NIGHTSHIFT_SERVICES !== 'dist';

function entry(pkg: 'worker' | 'scheduler'): string[] {
  const dir = dirname(require.resolve(`@nightshift/${pkg}/package.json`));
  return fromSource ? ['--conditions=nightshift-source', '--import', 'tsx', join(dir, 'src/main.ts')] : [join(dir, 'dist/main.js')];
}

/** Where a service's JSON logs go: passed through to our stderr (true), kept only for error messages (false), or appended to a file. */
export type LogSink = boolean | string;

/**
 * Starts a nightshift service as its own process, as it would run in a
 * container, and waits for its ready line. The tail of its stderr (its JSON
 * logs) is kept for error messages; `logs` says where the rest goes.
 */
export async function startService(
  pkg: 'worker' | 'scheduler',
  env: Record<string, string>,
  args: string[] = [],
  opts: { logs?: LogSink; timeoutMs?: number } = {},
): Promise<ServiceProcess> {
  // NIGHTSHIFT_NODE_FLAGS: Node's own flags for the service (--cpu-prof, which NODE_OPTIONS refuses), for profiling a bench.
  const flags = env.NIGHTSHIFT_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...(pkg === 'scheduler' ? SCHEDULER_NODE_FLAGS : []), ...flags, ...entry(pkg), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const file = typeof opts.logs === 'string' ? createWriteStream(opts.logs, { flags: 'a' }) : undefined;
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    if (file) file.write(d);
    else if (opts.logs) process.stderr.write(d);
  });
  // Resolves once every line is in the file, so a caller that stops the service can read it whole.
  const flushed = file ? new Promise<void>((resolve) => file.once('close', () => resolve())) : Promise.resolve();
  child.stderr!.once('end', () => file?.end());
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<ServiceProcess['ready']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pkg} did not start in time:\n${stderr}`)), opts.timeoutMs ?? 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { address: string });
      } catch {
        reject(new Error(`${pkg} printed ${line}\n${stderr}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${pkg} exited with ${code} before it was ready:\n${stderr}`));
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    ready,
    stop: async () => {
      if (alive()) child.kill('SIGTERM');
      const code = await exited;
      await flushed;
      return code;
    },
    kill: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
      await flushed;
    },
  };
}

/**
 * A scheduler process on loopback with a free port, dispatching to the given workers (named
 * w1, w2 … in order), its logs passed through unless `logs` says otherwise. `env` adds to or overrides its environment.
 */
export function startSchedulerProcess(redisUrl: string, prefix: string, workers: readonly ServiceProcess[], env: Record<string, string> = {}, logs: LogSink = true): Promise<ServiceProcess> {
  return startService(
    'scheduler',
    {
      REDIS_URL: redisUrl,
      NIGHTSHIFT_PREFIX: prefix,
      NIGHTSHIFT_LISTEN: '127.0.0.1:0',
      NIGHTSHIFT_WORKERS: workers.map((w, i) => `w${i + 1}=${w.ready.address}`).join(','),
      LOG_LEVEL: 'warn',
      ...env,
    },
    [],
    { logs },
  );
}

/** A worker process on loopback with a free port and one kernel thread. `env` adds to or overrides its environment. */
export function startWorkerProcess(id: string, env: Record<string, string> = {}, args: string[] = [], logs: LogSink = true): Promise<ServiceProcess> {
  return startService(
    'worker',
    { LOG_LEVEL: 'warn', NIGHTSHIFT_WORKER_ID: id, NIGHTSHIFT_WORKER_LISTEN: '127.0.0.1:0', NIGHTSHIFT_WORKER_THREADS: '1', ...env },
    args,
    { logs },
  );
}
