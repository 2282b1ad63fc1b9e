import { startWorkerProcess as start, type ServiceProcess } from '@nightshift/devtools';

export type { ServiceProcess };

/** A worker process for a test: its logs shown only with NIGHTSHIFT_TEST_LOGS. */
export function startWorkerProcess(id: string, extraEnv: Record<string, string> = {}, args: string[] = []): Promise<ServiceProcess> {
  return start(id, extraEnv, args, Boolean(process.env.NIGHTSHIFT_TEST_LOGS));
}
