// Original file: proto/nightshift/v1/batches.proto


export interface CancelBatchRequest {
  'batchId'?: (string);
}

export interface CancelBatchRequest__Output {
  'batchId': (string);
}
