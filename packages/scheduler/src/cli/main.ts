#!/usr/bin/env node
// nightshift — the command line of the JobService. `nightshift help` lists the commands.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, toTimestamp, type JobSpec } from '@nightshift/proto';
import { newApiKey } from '../auth/index.js';
import { BatchClient, JobClient } from '../client/index.js';
import { commands, EXIT_UNREACHABLE, usage } from './commands.js';
import type { BatchFlags, Context } from './context.js';
import { batchUsage } from './batch-commands.js';
import { planCommand, planUsage } from './plan-command.js';

const HOURS = /^(\d+(?:\.\d+)?)(s|m|h|d)$/;

function fail(message: string): never {
  process.stderr.write(`nightshift: ${message}\n${usage}`);
  process.exit(2);
}

/** Seconds: a duration like 24h, 90m or 2d, or a number of seconds. */
function seconds(flag: string, v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const m = v.match(HOURS);
  if (!m) fail(`${flag}: "${v}" is not a duration like 24h, 90m or 2d`);
  return Math.round(Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd']);
}

function batchFlags(values: Record<string, string | boolean | string[] | undefined>): BatchFlags {
  const v = values as Record<string, string | undefined>;
  const f: BatchFlags = { labels: {}, watch: values.watch === true, skipBad: values['skip-bad'] === true, from: 0 };
  if (v.params !== undefined) {
    try {
      f.params = JSON.parse(v.params);
    } catch (err) {
      fail(`--params: not JSON (${(err as Error).message})`);
    }
  }
  if (v.key !== undefined) {
    if (!v.key || v.key.length > 256) fail('--key: 1 to 256 characters');
    f.key = v.key;
  }
  if (v['max-cost'] !== undefined) {
    const usd = Number(v['max-cost']);
    if (!(usd > 0) || !Number.isFinite(usd)) fail(`--max-cost: "${v['max-cost']}" is not an amount of US dollars above 0`);
    f.maxCost = usd;
  }
  for (const l of (values.label as string[] | undefined) ?? []) {
    const at = l.indexOf('=');
    if (at <= 0) fail(`--label: "${l}" is not key=value`);
    f.labels[l.slice(0, at)] = l.slice(at + 1);
  }
  if (v.from !== undefined) {
    if (!/^\d+$/.test(v.from)) fail(`--from: "${v.from}" is not an item index (0 or more)`);
    f.from = Number(v.from);
  }
  if (v.limit !== undefined) {
    if (!/^[1-9]\d*$/.test(v.limit)) fail(`--limit: "${v.limit}" is not a whole number above 0`);
    f.limit = Number(v.limit);
  }
  return f;
}

function parse() {
  try {
    return parseArgs({
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
        // batch
        params: { type: 'string' },
        key: { type: 'string' },
        window: { type: 'string' },
        'max-cost': { type: 'string' },
        label: { type: 'string', multiple: true },
        watch: { type: 'boolean', default: false },
        'skip-bad': { type: 'boolean', default: false },
        from: { type: 'string' },
        limit: { type: 'string' },
        // plan
        workload: { type: 'string' },
        trace: { type: 'string' },
        'on-demand': { type: 'string', default: '8..64' },
        spot: { type: 'string', default: '0' },
        deadlines: { type: 'string', default: '0.99' },
        'interactive-p99': { type: 'string', default: '60' },
        chart: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // An unknown flag or a missing value: parseArgs's message, not a stack trace.
    fail((err as Error).message);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parse();
  const [name, ...rest] = positionals;
  // Run through `pnpm nightshift`, the working directory is the package's: paths are the caller's.
  const here = (a: string) => resolve(process.env.INIT_CWD ?? process.cwd(), a);
  const args =
    name === 'submit' || name === 'quote' ? rest.map(here)
    : name === 'pipeline' ? rest.map((a, i) => (i === 0 ? a : here(a)))
    : name === 'batch' && rest[0] === 'create' ? rest.map((a, i) => (i === 1 ? here(a) : a))
    : rest;
  const threshold = Number(values.threshold);
  if (!(threshold > 0 && threshold <= 1)) fail(`--threshold: "${values.threshold}" is not a Jaccard similarity in (0, 1]`);
  if (name === 'batch' && (values.help || !rest[0] || rest[0] === 'help')) {
    process.stdout.write(batchUsage);
    return 0;
  }
  if (values.help || !name || name === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (name === 'keys') return newKey(rest, values.tenant!, values.role!, values.workers, values.json!);
  if (name === 'plan') {
    if (values.help) return (process.stdout.write(planUsage), 0);
    const out = (s: string) => process.stdout.write(`${s}\n`);
    const err = (s: string) => process.stderr.write(`${s}\n`);
    return planCommand({
      workload: values.workload && here(values.workload), trace: values.trace && here(values.trace), onDemand: values['on-demand']!, spot: values.spot!, deadlines: values.deadlines!,
      interactiveP99: values['interactive-p99']!, chart: values.chart && here(values.chart), json: values.json!,
    }, out, err);
  }
  const command = commands[name];
  if (!command) fail(`unknown command "${name}"`);
  if (!values.tenant && !values['api-key']) fail('--tenant (or NIGHTSHIFT_TENANT) is required, or an --api-key that names it');
  if (!values.scheduler) fail('--scheduler (or NIGHTSHIFT_SCHEDULER) is empty: give host:port');
  const extra: Partial<JobSpec> = {};
  if (values.deadline) {
    const at = Date.parse(values.deadline);
    if (Number.isNaN(at)) fail(`--deadline: "${values.deadline}" is not a date and time (ISO 8601)`);
    extra.deadline = toTimestamp(at);
  }
  const window = values['completion-window'];
  if (window) extra.completionWindowSeconds = seconds('--completion-window', window);
  // batch create's name for it.
  if (values.window) extra.completionWindowSeconds = seconds('--window', values.window);
  if (values.priority !== undefined) {
    if (!/^\d+$/.test(values.priority)) fail(`--priority: "${values.priority}" is not a whole number`);
    extra.priority = Number(values.priority);
  }
  const connection = {
    ...(values.ca ? { credentials: channelCredentials({ ca: here(values.ca) }) } : {}),
    ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
  };
  const client = new JobClient(values.scheduler!, values.tenant!, connection);
  const batches = new BatchClient(values.scheduler!, values.tenant!, connection);
  const ctx: Context = {
    client,
    batches,
    batch: batchFlags(values),
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
    // grpc-js's own words for a channel that never connected (the scheduler's UNAVAILABLE, its store away, is told as it is).
    if (e.code === grpc.status.UNAVAILABLE && /No connection established|Name resolution failed|Failed to connect/i.test(e.details ?? '')) {
      // The connection, not the request: say where it went, not grpc-js's resolution notes.
      const why = /(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)/.exec(e.details ?? '')?.[1];
      process.stderr.write(`nightshift ${name}: the scheduler at ${values.scheduler} cannot be reached${why ? ` (${why})` : `: ${e.details ?? e.message}`}\n`);
      return EXIT_UNREACHABLE;
    }
    process.stderr.write(`nightshift ${name}: ${e.details ?? e.message}\n`);
    return 1;
  } finally {
    client.close();
    batches.close();
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

// A reader that went away (`nightshift batch results ID | head`) is not an error: stop, quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`nightshift: stdout: ${err.message}\n`);
  process.exit(1);
});
process.stderr.on('error', () => undefined);

// Exit once stdout has taken every line: a pipe's writes are asynchronous, and process.exit does not wait for them.
void main().then((code) => process.stdout.write('', () => process.exit(code)));
