// Original file: proto/nightshift/v1/batches.proto


export interface GetBatchRequest {
  'batchId'?: (string);
}

export interface GetBatchRequest__Output {
  'batchId': (string);
}
