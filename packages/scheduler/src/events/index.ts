export { EventHub } from './event-hub.js';
export type { JobEventEntry } from './job-event.js';
