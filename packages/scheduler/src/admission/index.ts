export { Admission } from './admission.js';
export { Tokenizer } from './tokenizer.js';
export { UnqueuedJournal } from './unqueued-journal.js';
