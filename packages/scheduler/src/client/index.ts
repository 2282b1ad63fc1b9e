export { JobClient, FINAL_API_STATES } from './job-client.js';
export { BatchClient, FINAL_BATCH_API_STATES, type CreateOptions } from './batch-client.js';
