export { FairUsage } from './fair-usage.js';
export { FairShare } from './fair-share.js';
export { tenantShares, type TenantShare } from './tenant-shares.js';
