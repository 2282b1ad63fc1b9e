import { resolveOp, type Batch__Output, type BatchItemResult__Output } from '@nightshift/proto';
import { duration, iso, isoOrNull, state, usd } from './format.js';

export const FINAL_STATES = ['BATCH_STATE_SUCCEEDED', 'BATCH_STATE_FAILED', 'BATCH_STATE_CANCELLED'];
export const isFinal = (b: Batch__Output) => FINAL_STATES.includes(b.state);

/** Items with their outcome, of all. */
export const itemsDone = (b: Batch__Output) => Number(b.items?.succeeded ?? 0) + Number(b.items?.failed ?? 0);

/** A batch on one line, for people. */
export function batchLine(b: Batch__Output): string {
  const n = b.items;
  const failed = Number(n?.failed ?? 0);
  const counts = `${n?.total ?? 0} items${itemsDone(b) > 0 || isFinal(b) ? ` (${n?.succeeded} ok${failed ? `, ${failed} failed` : ''}${Number(n?.cancelled) ? `, ${n?.cancelled} not run` : ''})` : ''}`;
  const money = b.cost > 0 ? ` cost ${usd(b.cost)}${b.quote ? ` of ${usd(b.quote.price)} quoted` : ''}` : b.quote ? ` quoted ${usd(b.quote.price)}` : '';
  const plan = b.state === 'BATCH_STATE_DEFERRED' ? ` until ${iso(b.plannedStart)} in ${b.plannedWindow}` : b.plannedWindow ? ` in ${b.plannedWindow}` : '';
  const eta = b.eta ? `, eta ${iso(b.eta)}` : '';
  const err = b.error ? ` — ${b.error}` : '';
  return `${b.id}  ${state(b.state).padEnd(10)} ${b.op.padEnd(9)} ${counts}, ${b.tokens} tok${money}${plan}${eta}${err}`;
}

/** A batch as JSON for scripts: numbers as numbers, times as ISO strings, the state as the commands name it. */
export function batchJson(b: Batch__Output): Record<string, unknown> {
  let params: unknown = null;
  try {
    params = resolveOp(b.op, b.params).params;
  } catch {
    // A batch refused at admission may carry params that never resolved: show none.
  }
  const n = b.items;
  return {
    id: b.id,
    tenant: b.tenant,
    state: state(b.state),
    op: b.op,
    params,
    priority: b.priority,
    labels: b.labels,
    idempotencyKey: b.idempotencyKey,
    items: n ? Object.fromEntries(Object.entries(n).map(([k, v]) => [k, Number(v)])) : null,
    tokens: Number(b.tokens),
    paddedTokens: Number(b.paddedTokens),
    units: b.units,
    unitsDone: b.unitsDone,
    quote: b.quote
      ? { window: b.quote.window, workerClass: b.quote.workerClass, price: b.quote.price, predictedSeconds: b.quote.predictedSeconds, finishAt: isoOrNull(b.quote.finishAt), modelError: b.quote.modelError, modelBatches: b.quote.modelBatches }
      : null,
    cost: b.cost,
    maxCost: b.maxCost,
    deadline: isoOrNull(b.deadline),
    plannedWindow: b.plannedWindow,
    plannedStart: isoOrNull(b.plannedStart),
    placement: b.placement,
    eta: isoOrNull(b.eta),
    error: b.error,
    createdAt: isoOrNull(b.createdAt),
    startedAt: isoOrNull(b.startedAt),
    finishedAt: isoOrNull(b.finishedAt),
  };
}

/** A batch's progress, for a bar or a line of JSON. */
export function progress(b: Batch__Output, now = Date.now()) {
  const eta = b.eta ? Date.parse(iso(b.eta)) : 0;
  return {
    id: b.id,
    state: state(b.state),
    done: itemsDone(b),
    total: Number(b.items?.total ?? 0),
    failed: Number(b.items?.failed ?? 0),
    cost: b.cost,
    quote: b.quote?.price ?? 0,
    eta: isoOrNull(b.eta),
    /** For people: how long until the ETA, or when a deferred batch starts. */
    etaText: b.state === 'BATCH_STATE_DEFERRED' ? `starts ${iso(b.plannedStart)} (${b.plannedWindow})` : eta ? `ETA ${duration(eta - now)}` : '',
  };
}

/**
 * One line of `batch results`: `{"custom_id", "index", "result": {"signature": […]} | {"vector":
 * […]}, "cost"}`, or `"error"` instead of "result" for an item that failed or was not run; the
 * names are the API's (RESULT_KIND). "cached": true when the result came from the cache.
 */
export function resultLine(r: BatchItemResult__Output): string {
  const outcome = r.error !== undefined
    ? { error: r.error }
    : r.result
      ? { result: r.result.signature.length || !r.result.vector.length ? { signature: r.result.signature } : { vector: r.result.vector } }
      : { error: 'no result' };
  return JSON.stringify({ custom_id: r.customId, index: Number(r.index), ...outcome, cost: r.cost, ...(r.cached ? { cached: true } : {}) });
}
