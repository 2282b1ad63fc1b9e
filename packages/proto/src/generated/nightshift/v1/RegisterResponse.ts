// Original file: proto/nightshift/v1/registry.proto


export interface RegisterResponse {
  /**
   * The lease lapses this long after the last heartbeat.
   */
  'leaseSeconds'?: (number);
  /**
   * How often to heartbeat.
   */
  'heartbeatSeconds'?: (number);
}

export interface RegisterResponse__Output {
  /**
   * The lease lapses this long after the last heartbeat.
   */
  'leaseSeconds': (number);
  /**
   * How often to heartbeat.
   */
  'heartbeatSeconds': (number);
}
