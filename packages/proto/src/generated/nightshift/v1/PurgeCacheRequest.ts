// Original file: proto/nightshift/v1/jobs.proto


export interface PurgeCacheRequest {
  'workerId'?: (string);
}

export interface PurgeCacheRequest__Output {
  'workerId': (string);
}
