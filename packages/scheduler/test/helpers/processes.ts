import { startService, type ServiceProcess } from '../../src/devtools/service-process.js';

export type { ServiceProcess };

export function startWorkerProcess(id: string, extraEnv: Record<string, string> = {}, args: string[] = []): Promise<ServiceProcess> {
  return startService(
    'worker',
    { LOG_LEVEL: 'warn', NIGHTSHIFT_WORKER_ID: id, NIGHTSHIFT_WORKER_LISTEN: '127.0.0.1:0', NIGHTSHIFT_WORKER_THREADS: '1', ...extraEnv },
    args,
    { echo: Boolean(process.env.NIGHTSHIFT_TEST_LOGS) },
  );
}
