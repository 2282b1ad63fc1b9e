import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import cron from 'node-cron';
import type { Logger } from '@nightshift/proto';

/**
 * Runs a pipeline on a cron schedule (node-cron), never two runs at once: a
 * firing while a run is still going is skipped and said so. Each run gets
 * its own folder under `out`, named by its start, where it keeps its report.
 */
export function schedulePipeline(
  expression: string,
  out: string,
  run: (runDir: string) => Promise<unknown>,
  log: Pick<Logger, 'info' | 'warn'>,
  timezone = 'UTC',
): { stop(): Promise<void>; runs: Array<{ dir: string; start: number; end: number; ok: boolean }> } {
  if (!cron.validate(expression)) throw new Error(`--cron: "${expression}" is not a cron expression`);
  const runs: Array<{ dir: string; start: number; end: number; ok: boolean }> = [];
  let running: Promise<void> | undefined;
  const task = cron.schedule(
    expression,
    () => {
      if (running) {
        log.warn({ cron: expression }, 'the previous run is still going: this one is skipped');
        return;
      }
      const start = Date.now();
      const dir = join(out, new Date(start).toISOString().replace(/[:.]/g, '-'));
      running = (async () => {
        let ok = false;
        try {
          await mkdir(dir, { recursive: true });
          await run(dir);
          ok = true;
        } catch (err) {
          log.warn({ err: (err as Error).message, dir }, 'pipeline run failed');
          await writeFile(join(dir, 'error.txt'), `${(err as Error).stack ?? err}\n`).catch(() => undefined);
        } finally {
          runs.push({ dir, start, end: Date.now(), ok });
          log.info({ dir, ok, seconds: (Date.now() - start) / 1000 }, 'pipeline run done');
          running = undefined;
        }
      })();
    },
    { timezone, name: 'nightshift-pipeline' },
  );
  return {
    runs,
    stop: async () => {
      await task.destroy();
      await running;
    },
  };
}
