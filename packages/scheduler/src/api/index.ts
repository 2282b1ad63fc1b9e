export { JobService, type JobServiceDeps } from './job-service.js';
export { TENANT_HEADER } from './tenant.js';
