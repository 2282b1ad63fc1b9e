import protobuf from 'protobufjs/minimal.js';
import type { ItemOutcome } from '../batch-objects/index.js';

/**
 * A BatchResults message, encoded here rather than by the generic encoder: a result is a typed
 * array, and the generic path would first copy it into a JavaScript array, element by element,
 * for every item of a million. An f32 vector's bytes are its packed field as they stand.
 *
 *   BatchResults { repeated BatchItemResult results = 1; }
 *   BatchItemResult { uint64 index = 1; string custom_id = 2; JobResult result = 3; string error = 4; double cost = 5; bool cached = 6; }
 *   JobResult { repeated uint32 signature = 1; repeated float vector = 2; }
 */
export function encodeBatchResults(items: readonly ItemOutcome[]): Buffer {
  const w = protobuf.Writer.create();
  for (const o of items) {
    w.uint32((1 << 3) | 2).fork();
    if (o.index) w.uint32(1 << 3).uint64(o.index);
    if (o.customId) w.uint32((2 << 3) | 2).string(o.customId);
    if (o.error !== undefined) {
      w.uint32((4 << 3) | 2).string(o.error);
    } else if (o.result) {
      w.uint32((3 << 3) | 2).fork();
      if (o.result.length) {
        if (o.kind === 'f32') {
          w.uint32((2 << 3) | 2).bytes(new Uint8Array(o.result.buffer, o.result.byteOffset, o.result.byteLength));
        } else {
          w.uint32((1 << 3) | 2).fork();
          for (let i = 0; i < o.result.length; i++) w.uint32(o.result[i]!);
          w.ldelim();
        }
      }
      w.ldelim();
    }
    if (o.cost) w.uint32((5 << 3) | 1).double(o.cost);
    if (o.cached) w.uint32(6 << 3).bool(true);
    w.ldelim();
  }
  return Buffer.from(w.finish());
}
