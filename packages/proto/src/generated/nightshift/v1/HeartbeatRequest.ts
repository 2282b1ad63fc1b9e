// Original file: proto/nightshift/v1/registry.proto


export interface HeartbeatRequest {
  'workerId'?: (string);
}

export interface HeartbeatRequest__Output {
  'workerId': (string);
}
