export { JobService, type JobServiceDeps } from './job-service.js';
export { TENANT_HEADER } from '../auth/index.js';
