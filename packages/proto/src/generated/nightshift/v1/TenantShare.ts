// Original file: proto/nightshift/v1/jobs.proto


/**
 * A tenant's use of the fleet against its weight (fairShare in the scheduler's config).
 */
export interface TenantShare {
  'weight'?: (number | string);
  /**
   * Its weight over the weights of the tenants that used the fleet lately: 0 to 1.
   */
  'target'?: (number | string);
  /**
   * Its recent worker-seconds over everyone's: 0 to 1.
   */
  'used'?: (number | string);
  /**
   * Its worker-seconds (kernel seconds of its batches and units), decayed with fairShare.halfLifeSeconds.
   */
  'workerSeconds'?: (number | string);
}

/**
 * A tenant's use of the fleet against its weight (fairShare in the scheduler's config).
 */
export interface TenantShare__Output {
  'weight': (number);
  /**
   * Its weight over the weights of the tenants that used the fleet lately: 0 to 1.
   */
  'target': (number);
  /**
   * Its recent worker-seconds over everyone's: 0 to 1.
   */
  'used': (number);
  /**
   * Its worker-seconds (kernel seconds of its batches and units), decayed with fairShare.halfLifeSeconds.
   */
  'workerSeconds': (number);
}
