// Original file: proto/nightshift/v1/batches.proto


export interface WatchBatchRequest {
  'batchId'?: (string);
}

export interface WatchBatchRequest__Output {
  'batchId': (string);
}
