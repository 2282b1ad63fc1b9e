// Original file: proto/nightshift/v1/jobs.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface PeriodUsage {
  /**
   * "2026-11-23" for a day, "2026-11-23T14" for an hour, "2026-W48", "2026-11".
   */
  'period'?: (string);
  'start'?: (_google_protobuf_Timestamp | null);
  'end'?: (_google_protobuf_Timestamp | null);
  /**
   * US dollars; budget 0 means none is set.
   */
  'budget'?: (number | string);
  /**
   * What finished work cost.
   */
  'spent'?: (number | string);
  /**
   * Quotes held for jobs admitted and not yet finished.
   */
  'reserved'?: (number | string);
  'tokens'?: (number | string | Long);
  'jobs'?: (number | string | Long);
}

export interface PeriodUsage__Output {
  /**
   * "2026-11-23" for a day, "2026-11-23T14" for an hour, "2026-W48", "2026-11".
   */
  'period': (string);
  'start': (_google_protobuf_Timestamp__Output | null);
  'end': (_google_protobuf_Timestamp__Output | null);
  /**
   * US dollars; budget 0 means none is set.
   */
  'budget': (number);
  /**
   * What finished work cost.
   */
  'spent': (number);
  /**
   * Quotes held for jobs admitted and not yet finished.
   */
  'reserved': (number);
  'tokens': (string);
  'jobs': (string);
}
