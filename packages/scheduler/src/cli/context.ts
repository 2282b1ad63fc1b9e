import type { JobSpec } from '@nightshift/proto';
import type { BatchClient, JobClient } from '../client/index.js';

/** What a command runs with: its clients, flags and output (in a file of its own, so that commands and batch commands share it without importing each other). */
export interface Context {
  outDir?: string;
  /** `cache purge --worker ID`. */
  worker?: string;
  cron?: string;
  threshold: number;
  client: JobClient;
  batches: BatchClient;
  /** The flags of the batch commands. */
  batch: BatchFlags;
  json: boolean;
  args: string[];
  op?: string;
  states: string[];
  text?: string;
  extra: Partial<JobSpec>;
  out(s: string): void;
  err(s: string): void;
}

export interface BatchFlags {
  /** --params, parsed. */
  params?: unknown;
  key?: string;
  maxCost?: number;
  labels: Record<string, string>;
  watch: boolean;
  skipBad: boolean;
  from: number;
  limit?: number;
}
