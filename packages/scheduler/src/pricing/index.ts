export { priorState, predictSeconds, aloneSeconds, learn, ERROR_WINDOW, type BatchShape, type Coefficients, type ModelState } from './cost-model.js';
export { CostModels, type CostModelOptions, type ModelReport } from './cost-models.js';
export { ON_DEMAND, priceOf, usd, type PriceList } from './prices.js';
export { Quoter, fullBatchShare, bucketBound, type WindowQuote, type Backlog, type ModelSource } from './quoter.js';
export { BacklogEstimate } from './backlog.js';
export { Billing } from './billing.js';
