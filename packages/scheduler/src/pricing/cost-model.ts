/**
 * The cost model of one (op, worker class): ln(batch seconds) as a linear
 * function of ln(padded tokens) and ln(longest sequence), fitted online by
 * recursive least squares with a forgetting factor, so that recent batches
 * weigh more and the model follows a worker that got faster or slower.
 * Pure: the store keeps the state in Redis.
 */

/** The shape of a batch, as the model sees it. */
export interface BatchShape {
  paddedTokens: number;
  maxLength: number;
}

/** Coefficients: seconds = e^a · padded^b · longest^c. */
export interface Coefficients {
  a: number;
  b: number;
  c: number;
}

export interface ModelState {
  theta: [number, number, number];
  /** The 3×3 inverse-information matrix of RLS, row-major. */
  p: number[];
  /** Batches learned from. */
  n: number;
  /** Absolute percentage error of recent predictions, exponentially weighted; -1 before any batch. */
  mape: number;
}

/** How many recent batches the error average follows: the newest weighs 1/ERROR_WINDOW. */
export const ERROR_WINDOW = 20;

function features(s: BatchShape): [number, number, number] {
  return [1, Math.log(Math.max(1, s.paddedTokens)), Math.log(Math.max(1, s.maxLength))];
}

/**
 * The state a fresh system quotes with: the configured prior, held with a variance per
 * coefficient (how far a few batches may move it; larger learns faster).
 */
export function priorState(prior: Coefficients, variance: { a: number; bc: number }): ModelState {
  return { theta: [prior.a, prior.b, prior.c], p: [variance.a, 0, 0, 0, variance.bc, 0, 0, 0, variance.bc], n: 0, mape: -1 };
}

export function predictSeconds(state: ModelState, shape: BatchShape): number {
  const x = features(shape);
  // Capped (e^50 s is 10^14 years) so that no price is ever Infinity, which Redis refuses to add.
  return Math.exp(Math.min(50, state.theta[0] * x[0] + state.theta[1] * x[1] + state.theta[2] * x[2]));
}

/**
 * Predicted seconds of one job alone (a batch of one), held within `bounds`. Learned from full batches,
 * the model barely sees how padded tokens and length act apart, and may extrapolate to one job wildly;
 * the bounds come from what is known for sure (its share of a batch, and the whole batch's seconds).
 */
export function aloneSeconds(state: ModelState, length: number, bounds: { low: number; high: number }): number {
  const predicted = predictSeconds(state, { paddedTokens: length, maxLength: length });
  return Math.min(bounds.high, Math.max(bounds.low, predicted));
}

/** The state after one settled batch that took `seconds`. `forgetting` in (0, 1]: 1 forgets nothing. */
/**
 * The most P's diagonal may hold. With forgetting, and batches that all look alike (full batches:
 * padded tokens a fixed multiple of the longest), P grows without bound along the directions they do
 * not excite ("covariance wind-up"), and one odd batch then throws θ anywhere: seen on 50,000-job
 * runs, with predictions of e^700 seconds. Holding P down keeps the model learning at the rate the
 * prior allowed, no faster.
 */
const MAX_VARIANCE = 4;

export function learn(state: ModelState, shape: BatchShape, seconds: number, forgetting: number): ModelState {
  if (!(seconds > 0) || !Number.isFinite(seconds)) return state;
  const x = features(shape);
  const y = Math.log(seconds);
  const predicted = predictSeconds(state, shape);
  const { theta, p } = state;
  // px = P x; gain k = P x / (λ + xᵀ P x)
  const px = [0, 1, 2].map((r) => p[3 * r]! * x[0] + p[3 * r + 1]! * x[1] + p[3 * r + 2]! * x[2]);
  const denom = forgetting + x[0] * px[0]! + x[1] * px[1]! + x[2] * px[2]!;
  const k = px.map((v) => v / denom);
  const residual = y - (theta[0] * x[0] + theta[1] * x[1] + theta[2] * x[2]);
  const nextTheta: [number, number, number] = [theta[0] + k[0]! * residual, theta[1] + k[1]! * residual, theta[2] + k[2]! * residual];
  // P ← (P − k (P x)ᵀ) / λ   (P is symmetric, so xᵀ P = (P x)ᵀ)
  let nextP = p.map((v, i) => (v - k[Math.floor(i / 3)]! * px[i % 3]!) / forgetting);
  const widest = Math.max(nextP[0]!, nextP[4]!, nextP[8]!);
  if (widest > MAX_VARIANCE) nextP = nextP.map((v) => (v * MAX_VARIANCE) / widest);
  // A batch that would leave the model unusable is not learned from.
  if (![...nextTheta, ...nextP].every(Number.isFinite)) return state;
  const ape = Math.abs(predicted - seconds) / seconds;
  // A plain mean over the first batches, then an exponential average: seeded with the first error
  // alone, the average would carry the prior's miss at weight (1 - 1/ERROR_WINDOW)^n long after the
  // model had learned, and call a model that is learning "off by 60% on recent batches".
  const weight = Math.max(1 / ERROR_WINDOW, 1 / (state.n + 1));
  return { theta: nextTheta, p: nextP, n: state.n + 1, mape: state.mape < 0 ? ape : state.mape + weight * (ape - state.mape) };
}
