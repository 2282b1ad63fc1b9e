// Original file: proto/nightshift/v1/registry.proto


export interface HeartbeatResponse {
  'known'?: (boolean);
}

export interface HeartbeatResponse__Output {
  'known': (boolean);
}
