export { JobClient } from './job-client.js';
