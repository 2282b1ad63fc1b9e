import { toOpParams, toTimestamp, type Batch } from '@nightshift/proto';
import { batchEta, type BatchRecord } from '../batch-objects/index.js';

const ts = (ms: number) => (ms > 0 ? toTimestamp(ms) : null);

/**
 * A batch as the API shows it. Items not yet done are pending, or cancelled once the batch is;
 * the ETA is batchEta's.
 */
export function batchView(b: BatchRecord, now = Date.now()): Batch {
  const done = b.succeeded + b.failed;
  const open = b.items - done;
  const final = b.state === 'SUCCEEDED' || b.state === 'FAILED' || b.state === 'CANCELLED';
  return {
    id: b.id,
    tenant: b.tenant,
    op: b.spec.op,
    params: toOpParams(b.spec),
    state: `BATCH_STATE_${b.state}`,
    priority: b.priority,
    labels: b.labels,
    idempotencyKey: b.idempotencyKey,
    items: {
      total: String(b.items),
      succeeded: String(b.succeeded),
      failed: String(b.failed),
      pending: String(final ? 0 : open),
      cancelled: String(final ? open : 0),
      cached: String(b.cached),
      duplicates: String(b.duplicates),
    },
    tokens: String(b.tokens),
    paddedTokens: String(b.paddedTokens),
    units: b.units,
    unitsDone: b.unitsDone,
    quote: b.quote
      ? { window: b.quote.window, workerClass: b.quote.workerClass, predictedSeconds: b.quote.seconds, price: b.quote.price, finishAt: ts(b.eta), modelError: b.quote.modelError, modelBatches: b.quote.modelBatches }
      : null,
    cost: b.cost,
    maxCost: b.maxCost,
    deadline: ts(b.deadline),
    plannedWindow: b.plannedWindow,
    plannedStart: ts(b.plannedStart),
    placement: b.placement,
    eta: final ? null : ts(batchEta(b, now)),
    error: b.error,
    createdAt: ts(b.createdAt),
    startedAt: ts(b.startedAt),
    finishedAt: ts(b.finishedAt),
    uploadOpen: b.open && !final,
    declaredItems: String(b.declaredItems),
    declaredTokens: String(b.declaredTokens),
  };
}
