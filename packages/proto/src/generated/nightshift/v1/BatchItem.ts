// Original file: proto/nightshift/v1/batches.proto


export interface BatchItem {
  /**
   * The caller's id, echoed with the result. At most 256 bytes.
   */
  'customId'?: (string);
  /**
   * UTF-8 text, tokenized by the scheduler (o200k_base).
   */
  'text'?: (string);
  /**
   * Token ids, unsigned 32-bit little-endian.
   */
  'tokens'?: (Buffer | Uint8Array | string);
  'payload'?: "text"|"tokens";
}

export interface BatchItem__Output {
  /**
   * The caller's id, echoed with the result. At most 256 bytes.
   */
  'customId': (string);
  /**
   * UTF-8 text, tokenized by the scheduler (o200k_base).
   */
  'text'?: (string);
  /**
   * Token ids, unsigned 32-bit little-endian.
   */
  'tokens'?: (Buffer);
  'payload'?: "text"|"tokens";
}
