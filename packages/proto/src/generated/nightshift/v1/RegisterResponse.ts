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
  /**
   * This registration's secret: heartbeats and Deregister must send it, so
   * that only the process that registered keeps or ends the lease.
   */
  'leaseToken'?: (string);
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
  /**
   * This registration's secret: heartbeats and Deregister must send it, so
   * that only the process that registered keeps or ends the lease.
   */
  'leaseToken': (string);
}
