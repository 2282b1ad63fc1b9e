export { Admission } from './admission.js';
export { Tokenizer } from './tokenizer.js';
