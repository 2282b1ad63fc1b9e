// Original file: proto/nightshift/v1/jobs.proto


export interface BatchGetJobsRequest {
  'jobIds'?: (string)[];
  'omitResult'?: (boolean);
}

export interface BatchGetJobsRequest__Output {
  'jobIds': (string)[];
  'omitResult': (boolean);
}
