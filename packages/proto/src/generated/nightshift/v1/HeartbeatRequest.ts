// Original file: proto/nightshift/v1/registry.proto


export interface HeartbeatRequest {
  'workerId'?: (string);
  /**
   * The lease_token of the Register reply.
   */
  'leaseToken'?: (string);
}

export interface HeartbeatRequest__Output {
  'workerId': (string);
  /**
   * The lease_token of the Register reply.
   */
  'leaseToken': (string);
}
