export { JobClient, FINAL_API_STATES } from './job-client.js';
