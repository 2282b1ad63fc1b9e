export { runPipeline, type PipelineOptions, type PipelineReport } from './run-pipeline.js';
export { corpusDocuments, readCorpus, surveyCorpus, type Document } from './corpus.js';
export { bandsFor, clustersOf, estimatedJaccard, LshIndex, nearDuplicates, shingleHashes, shingleSet, sortedJaccard, jaccard } from './lsh.js';
export { schedulePipeline } from './schedule-pipeline.js';
