export { runPipeline, type PipelineOptions, type PipelineReport } from './run-pipeline.js';
export { readCorpus, type Document } from './corpus.js';
export { bandsFor, estimatedJaccard, nearDuplicates, shingleSet, jaccard } from './lsh.js';
export { schedulePipeline } from './schedule-pipeline.js';
