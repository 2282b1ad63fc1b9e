export { FairUsage } from './fair-usage.js';
export { FairShare } from './fair-share.js';
export { FairTree, type FairTreeConfig } from './fair-tree.js';
export { tenantShares, type TenantShare } from './tenant-shares.js';
