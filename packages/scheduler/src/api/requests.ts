import { z } from 'zod';
import { fromTimestamp, MalformedRequest, ParamError, resolveOp, unpackTokens, type OpSpec } from '@nightshift/proto';
import { fromApiState, type JobState } from '../jobs/index.js';
import { invalid } from './api-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const jobId = z.string().regex(UUID, 'must be a job id (a UUID as Submit returns it)');

const wireParams = z.any();

/** 9999-12-31T23:59:59Z, the last time a deadline may name. */
const MAX_TIME_MS = 253_402_300_799_000;

/** The furthest a deadline may lie ahead: a year (366 days). */
export const MAX_AHEAD_SECONDS = 366 * 86_400;

/** A JobSpec as it comes off the wire, checked field by field; the op and its params resolved. */
export function jobSpecSchema(maxTextBytes: number) {
  return z
    .object({
      op: z.string(),
      params: wireParams,
      payload: z.enum(['text', 'tokens'], { message: 'text or tokens is required' }),
      text: z.string().optional(),
      tokens: z.instanceof(Buffer).optional(),
      priority: z.number().int().min(0, 'must be between 0 and 1000000').max(1_000_000, 'must be between 0 and 1000000'),
      maxAttempts: z.number().int().min(0, 'must be between 0 (the default) and 20').max(20, 'must be between 0 (the default) and 20'),
      clientRef: z.string().max(256, 'must be at most 256 characters'),
      maxCost: z.number().finite('must be a finite number of dollars').min(0, 'must be 0 (no limit) or more'),
      deadline: z
        .object({ seconds: z.string().regex(/^-?\d{1,15}$/, 'must be a time'), nanos: z.number().int().min(0).max(999_999_999) })
        .nullish(),
      completionWindowSeconds: z.number().int().min(0).max(MAX_AHEAD_SECONDS, 'must be at most a year (31622400 s)'),
      idempotencyKey: z.string().max(256, 'must be at most 256 characters'),
    })
    .transform((v, ctx) => {
      const spec = specIn(v, ctx);
      if (!spec) return z.NEVER;
      let payload: { text: string } | { tokens: Uint32Array };
      if (v.payload === 'text') {
        const text = v.text ?? '';
        if (text.length === 0) ctx.addIssue({ code: 'custom', path: ['text'], message: 'is empty' });
        else if (Buffer.byteLength(text) > maxTextBytes) ctx.addIssue({ code: 'custom', path: ['text'], message: `is larger than ${maxTextBytes} bytes` });
        payload = { text };
      } else {
        const bytes = v.tokens ?? Buffer.alloc(0);
        if (bytes.length === 0) {
          ctx.addIssue({ code: 'custom', path: ['tokens'], message: 'is empty' });
          return z.NEVER;
        }
        try {
          payload = { tokens: unpackTokens(bytes) };
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['tokens'], message: `${(err as Error).message}` });
          return z.NEVER;
        }
      }
      const deadline = deadlineIn(v, ctx);
      if (deadline === undefined) return z.NEVER;
      return {
        spec, payload, priority: v.priority, maxAttempts: v.maxAttempts, clientRef: v.clientRef, maxCost: v.maxCost,
        deadline, completionWindowSeconds: v.completionWindowSeconds, idempotencyKey: v.idempotencyKey,
      };
    });
}

/** The op and its params of a request being parsed, resolved; undefined (with the issue added) when they are wrong. */
export function specIn(v: { op: string; params: unknown }, ctx: z.RefinementCtx): OpSpec | undefined {
  try {
    return resolveOp(v.op, v.params as Parameters<typeof resolveOp>[1]);
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    ctx.addIssue({ code: 'custom', path: err.field.split('.'), message: err.message.slice(err.field.length + 2) });
    return undefined;
  }
}

/**
 * A request's deadline in ms (0: none); undefined (with the issue added) beyond what a Date holds:
 * such a deadline cannot even be shown, so it is refused as a field, not as a surprise later.
 */
export function deadlineIn(v: { deadline?: { seconds: string; nanos: number } | null }, ctx: z.RefinementCtx): number | undefined {
  const deadline = fromTimestamp(v.deadline);
  if (deadline < 0 || deadline > MAX_TIME_MS) {
    ctx.addIssue({ code: 'custom', path: ['deadline'], message: 'must be a time between 1970 and 9999' });
    return undefined;
  }
  return deadline;
}

export type ValidJobSpec = z.output<ReturnType<typeof jobSpecSchema>>;

export const getJobRequest = z.object({ jobId, omitResult: z.boolean() });
export const batchGetJobsRequest = z.object({ jobIds: z.array(jobId).max(1000, 'at most 1000 ids at once'), omitResult: z.boolean() });
export const cancelJobRequest = z.object({ jobId });
/** A worker's id: a Kubernetes pod name fits. */
export const workerId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be 1–253 letters, digits, . _ or -');
export const purgeCacheRequest = z.object({ workerId });
const apiState = z.string().transform((s, ctx): JobState => {
  const state = fromApiState(s);
  if (!state) {
    ctx.addIssue({ code: 'custom', message: `not a job state: ${s}` });
    return z.NEVER;
  }
  return state;
});

export const watchJobsRequest = z.object({ jobIds: z.array(jobId).max(1000, 'at most 1000 ids per watch'), states: z.array(apiState) });

export const listJobsRequest = z.object({
  states: z.array(apiState),
  pageSize: z.number().int().min(0, 'must be between 0 and 1000').max(1000, 'must be between 0 and 1000'),
  pageToken: z.string().max(512),
});

/** Parses a request, or throws INVALID_ARGUMENT naming the first bad field under `root`. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.output<S> {
  if (value instanceof MalformedRequest) throw invalid(value.message);
  if (value === null || value === undefined) throw invalid(`${root || 'request'}: is required`);
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  // Named as in the .proto (job.params.minhash.num_perm), the contract callers read.
  const path = [root, ...issue.path.map(String)].filter(Boolean).map(snakeCase).join('.');
  throw invalid(`${path || 'request'}: ${issue.message}`);
}

const snakeCase = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
