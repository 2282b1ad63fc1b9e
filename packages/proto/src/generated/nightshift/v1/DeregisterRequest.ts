// Original file: proto/nightshift/v1/registry.proto


export interface DeregisterRequest {
  'workerId'?: (string);
  /**
   * The lease_token of the Register reply (an admin key may leave it empty).
   */
  'leaseToken'?: (string);
}

export interface DeregisterRequest__Output {
  'workerId': (string);
  /**
   * The lease_token of the Register reply (an admin key may leave it empty).
   */
  'leaseToken': (string);
}
