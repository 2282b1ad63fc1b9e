export { JobStore, type Transition, type TransitionResult, type ListPage, type AdmissionLimits, type Created } from './job-store.js';
export { JOB_STATES, FINAL_STATES, isFinal, toApiState, fromApiState, type JobState } from './job-state.js';
export { encodeResult, decodeResult, resultKind, encodePlan, parsePlan, type JobRecord, type NewJob, type Plan } from './job-record.js';
export { Keys } from './keys.js';
