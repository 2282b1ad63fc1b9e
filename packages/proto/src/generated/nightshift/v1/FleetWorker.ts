// Original file: proto/nightshift/v1/jobs.proto


export interface FleetWorker {
  'id'?: (string);
  /**
   * on-demand or spot.
   */
  'pool'?: (string);
  'workerClass'?: (string);
  'batchesInFlight'?: (number);
  'draining'?: (boolean);
}

export interface FleetWorker__Output {
  'id': (string);
  /**
   * on-demand or spot.
   */
  'pool': (string);
  'workerClass': (string);
  'batchesInFlight': (number);
  'draining': (boolean);
}
