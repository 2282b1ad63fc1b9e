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

/** Weight of the newest batch in the error average (about the last 20 batches count). */
const ERROR_WEIGHT = 0.05;

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
  return Math.exp(state.theta[0] * x[0] + state.theta[1] * x[1] + state.theta[2] * x[2]);
}

/** The state after one settled batch that took `seconds`. `forgetting` in (0, 1]: 1 forgets nothing. */
export function learn(state: ModelState, shape: BatchShape, seconds: number, forgetting: number): ModelState {
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
  const nextP = p.map((v, i) => (v - k[Math.floor(i / 3)]! * px[i % 3]!) / forgetting);
  const ape = Math.abs(predicted - seconds) / seconds;
  return { theta: nextTheta, p: nextP, n: state.n + 1, mape: state.mape < 0 ? ape : state.mape + ERROR_WEIGHT * (ape - state.mape) };
}
