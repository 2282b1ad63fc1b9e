export { FairUsage } from './fair-usage.js';
export { tenantShares, type TenantShare } from './tenant-shares.js';
