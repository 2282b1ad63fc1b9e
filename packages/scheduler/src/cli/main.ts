#!/usr/bin/env node
// nightshift — the command line of the JobService. `nightshift help` lists the commands.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { channelCredentials, toTimestamp, type JobSpec } from '@nightshift/proto';
import { newApiKey } from '../auth/index.js';
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
      'api-key': { type: 'string', default: process.env.NIGHTSHIFT_API_KEY ?? '' },
      ca: { type: 'string', default: process.env.NIGHTSHIFT_CA ?? '' },
      role: { type: 'string', default: 'tenant' },
      workers: { type: 'string' },
      worker: { type: 'string' },
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
  if (name === 'keys') return newKey(rest, values.tenant!, values.role!, values.workers, values.json!);
  const command = commands[name];
  if (!command) fail(`unknown command "${name}"`);
  if (!values.tenant && !values['api-key']) fail('--tenant (or NIGHTSHIFT_TENANT) is required, or an --api-key that names it');
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
  const client = new JobClient(values.scheduler!, values.tenant!, {
    ...(values.ca ? { credentials: channelCredentials({ ca: here(values.ca) }) } : {}),
    ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
  });
  const ctx: Context = {
    client,
    json: values.json!,
    args,
    op: values.op,
    states: values.state ?? [],
    text: values.text,
    ...(values.out ? { outDir: here(values.out) } : {}),
    ...(values.cron ? { cron: values.cron } : {}),
    ...(values.worker ? { worker: values.worker } : {}),
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

/** `nightshift keys new --tenant T [--role tenant|admin|worker] [--workers ID,ID*]`: a new API key, and the entry for the scheduler's auth.keys. */
function newKey(args: string[], tenant: string, role: string, workerList: string | undefined, json: boolean): number {
  if (args[0] !== 'new') fail('keys: only "keys new" exists');
  if (!tenant) fail('keys new: --tenant is required');
  if (role !== 'tenant' && role !== 'admin' && role !== 'worker') fail(`--role: "${role}" is not tenant, admin or worker`);
  const workers = workerList?.split(',').map((w) => w.trim()).filter(Boolean);
  if (role === 'worker' && !workers?.length) fail('keys new --role worker: --workers is required, the worker ids the key may register (nightshift-worker-* for any)');
  if (role !== 'worker' && workers) fail('keys new: --workers goes with --role worker');
  const { key, entry } = newApiKey(tenant, role, workers);
  if (json) process.stdout.write(`${JSON.stringify({ key, entry })}\n`);
  else {
    const bound = workers ? `, workers: [${workers.map((w) => JSON.stringify(w)).join(', ')}]` : '';
    process.stdout.write(`API key (give it to the caller; it is not stored anywhere): ${key}\n`);
    process.stdout.write(`for the scheduler's config, under auth.keys:\n  - { tenant: ${entry.tenant}, role: ${entry.role}, sha256: ${entry.sha256}${bound} }\n`);
  }
  return 0;
}

void main().then((code) => process.exit(code));
