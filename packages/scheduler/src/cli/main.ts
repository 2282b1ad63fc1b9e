#!/usr/bin/env node
// nightshift — the command line of the JobService. `nightshift help` lists the commands.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toTimestamp, type JobSpec } from '@nightshift/proto';
import { JobClient } from '../client/index.js';
import { commands, usage, type Context } from './commands.js';

const HOURS = /^(\d+(?:\.\d+)?)(s|m|h|d)$/;

function fail(message: string): never {
  process.stderr.write(`nightshift: ${message}\n${usage}`);
  process.exit(2);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      scheduler: { type: 'string', default: process.env.NIGHTSHIFT_SCHEDULER ?? '127.0.0.1:50051' },
      tenant: { type: 'string', default: process.env.NIGHTSHIFT_TENANT ?? '' },
      json: { type: 'boolean', default: false },
      op: { type: 'string' },
      state: { type: 'string', multiple: true },
      deadline: { type: 'string' },
      'completion-window': { type: 'string' },
      priority: { type: 'string' },
      text: { type: 'string' },
      out: { type: 'string' },
      cron: { type: 'string' },
      threshold: { type: 'string', default: '0.8' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [name, ...rest] = positionals;
  // Run through `pnpm nightshift`, the working directory is the package's: paths are the caller's.
  const here = (a: string) => resolve(process.env.INIT_CWD ?? process.cwd(), a);
  const args = name === 'submit' || name === 'quote' ? rest.map(here) : name === 'pipeline' ? rest.map((a, i) => (i === 0 ? a : here(a))) : rest;
  const threshold = Number(values.threshold);
  if (!(threshold > 0 && threshold <= 1)) fail(`--threshold: "${values.threshold}" is not a Jaccard similarity in (0, 1]`);
  if (values.help || !name || name === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  const command = commands[name];
  if (!command) fail(`unknown command "${name}"`);
  if (!values.tenant) fail('--tenant (or NIGHTSHIFT_TENANT) is required');
  const extra: Partial<JobSpec> = {};
  if (values.deadline) {
    const at = Date.parse(values.deadline);
    if (Number.isNaN(at)) fail(`--deadline: "${values.deadline}" is not a date and time (ISO 8601)`);
    extra.deadline = toTimestamp(at);
  }
  const window = values['completion-window'];
  if (window) {
    const m = window.match(HOURS);
    if (!m) fail(`--completion-window: "${window}" is not a duration like 24h, 90m or 2d`);
    extra.completionWindowSeconds = Math.round(Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd']);
  }
  if (values.priority !== undefined) {
    if (!/^\d+$/.test(values.priority)) fail(`--priority: "${values.priority}" is not a whole number`);
    extra.priority = Number(values.priority);
  }
  const client = new JobClient(values.scheduler!, values.tenant);
  const ctx: Context = {
    client,
    json: values.json!,
    args,
    op: values.op,
    states: values.state ?? [],
    text: values.text,
    ...(values.out ? { outDir: here(values.out) } : {}),
    ...(values.cron ? { cron: values.cron } : {}),
    threshold,
    extra,
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  };
  try {
    return await command(ctx);
  } catch (err) {
    const e = err as { code?: number; details?: string; message: string };
    process.stderr.write(`nightshift ${name}: ${e.details ?? e.message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

void main().then((code) => process.exit(code));
