export * from './result-cache.js';
