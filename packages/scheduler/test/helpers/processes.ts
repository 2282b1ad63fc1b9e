import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  /** The first stdout line the service prints: {"ready":true,...}. */
  ready: { address: string; id?: string };
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit: a crash. */
  kill(): Promise<void>;
}

/** Starts a package's main.ts as a real process (from source, through tsx) and waits for its ready line. */
export async function startService(pkg: 'worker' | 'scheduler', env: Record<string, string>, args: string[] = []): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--conditions=nightshift-source', '--import', 'tsx', `packages/${pkg}/src/main.ts`, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    if (process.env.NIGHTSHIFT_TEST_LOGS) process.stderr.write(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ address: string; id?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pkg} did not start in 30 s:\n${stderr}`)), 30_000);
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
  return {
    child,
    ready,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export function startWorkerProcess(id: string, extraEnv: Record<string, string> = {}, args: string[] = []): Promise<ServiceProcess> {
  return startService('worker', { NIGHTSHIFT_WORKER_ID: id, NIGHTSHIFT_WORKER_LISTEN: '127.0.0.1:0', NIGHTSHIFT_WORKER_THREADS: '1', ...extraEnv }, args);
}
