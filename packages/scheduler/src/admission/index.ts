export { Admission } from './admission.js';
export { UnqueuedJournal } from './unqueued-journal.js';
