// Original file: proto/nightshift/v1/jobs.proto

import type { WindowQuote as _nightshift_v1_WindowQuote, WindowQuote__Output as _nightshift_v1_WindowQuote__Output } from '../../nightshift/v1/WindowQuote.js';

export interface QuoteResponse {
  'tokenCount'?: (number);
  'bucket'?: (string);
  /**
   * Cheapest first.
   */
  'windows'?: (_nightshift_v1_WindowQuote)[];
}

export interface QuoteResponse__Output {
  'tokenCount': (number);
  'bucket': (string);
  /**
   * Cheapest first.
   */
  'windows': (_nightshift_v1_WindowQuote__Output)[];
}
