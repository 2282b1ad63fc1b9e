// Original file: proto/nightshift/v1/registry.proto


export interface DeregisterRequest {
  'workerId'?: (string);
}

export interface DeregisterRequest__Output {
  'workerId': (string);
}
