import { z } from 'zod';
import { BATCH_STATES, type BatchState } from '../batch-objects/index.js';
import { deadlineIn, MAX_AHEAD_SECONDS, specIn } from './requests.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const batchId = z.string().regex(UUID, 'must be a batch id (a UUID as CreateBatch returns it)');

/** A batch's header off the wire, checked field by field; op and params resolved. */
export const batchHeader = z
  .object({
    op: z.string(),
    params: z.any(),
    priority: z.number().int().min(0, 'must be between 0 and 1000000').max(1_000_000, 'must be between 0 and 1000000'),
    deadline: z.object({ seconds: z.string().regex(/^-?\d{1,15}$/, 'must be a time'), nanos: z.number().int().min(0).max(999_999_999) }).nullish(),
    completionWindowSeconds: z.number().int().min(0).max(MAX_AHEAD_SECONDS, 'must be at most a year (31622400 s)'),
    maxCost: z.number().finite('must be a finite number of dollars').min(0, 'must be 0 (no limit) or more'),
    idempotencyKey: z.string().max(256, 'must be at most 256 characters'),
    labels: z
      .record(z.string().max(256, 'keys must be at most 256 characters'), z.string().max(256, 'values must be at most 256 characters'))
      .refine((l) => Object.keys(l).length <= 32, 'at most 32 labels'),
    firstItem: z.string().regex(/^\d{1,15}$/, 'must be an item index'),
    maxAttempts: z.number().int().min(0, 'must be between 0 (the default) and 20').max(20, 'must be between 0 (the default) and 20'),
    declaredItems: z.string().regex(/^\d{1,15}$/, 'must be a number of items'),
    declaredTokens: z.string().regex(/^\d{1,15}$/, 'must be a number of tokens'),
  })
  .transform((v, ctx) => {
    const spec = specIn(v, ctx);
    const deadline = deadlineIn(v, ctx);
    const declared = { items: Number(v.declaredItems), tokens: Number(v.declaredTokens) };
    if ((declared.items > 0) !== (declared.tokens > 0)) {
      ctx.addIssue({ code: 'custom', path: ['declaredItems'], message: 'declared_items and declared_tokens go together: set both, or neither' });
      return z.NEVER;
    }
    if (!spec || deadline === undefined) return z.NEVER;
    return { ...v, spec, deadline, firstItem: Number(v.firstItem), declared: declared.items > 0 ? declared : undefined };
  });

export type ValidBatchHeader = z.output<typeof batchHeader>;

const apiBatchState = z.string().transform((s, ctx): BatchState => {
  const state = s.replace(/^BATCH_STATE_/, '') as BatchState;
  if (!BATCH_STATES.includes(state)) {
    ctx.addIssue({ code: 'custom', message: `not a batch state: ${s}` });
    return z.NEVER;
  }
  return state;
});

export const getBatchRequest = z.object({ batchId });
export const cancelBatchRequest = z.object({ batchId });
export const watchBatchRequest = z.object({ batchId });
export const getBatchResultsRequest = z.object({ batchId, fromIndex: z.string().regex(/^\d{1,15}$/, 'must be an item index').transform(Number) });
export const listBatchesRequest = z.object({
  states: z.array(apiBatchState),
  pageSize: z.number().int().min(0, 'must be between 0 and 1000').max(1000, 'must be between 0 and 1000'),
  pageToken: z.string().max(512),
});
