import { after } from 'node:test';
import { resolveOp, type OpSpec } from '@nightshift/proto';
import type { BatchClient } from '../../src/index.js';
import type { TestSystem } from './system.js';

/** minhash with 32 permutations: what the batch tests send, and the spec of its reference results. */
export const MINHASH_32 = {
  spec: resolveOp('minhash', { minhash: { numPerm: '32' } }) as OpSpec,
  header: { op: 'minhash', params: { minhash: { numPerm: '32' } } },
};

/** The systems and batch clients a test file starts, stopped after its last test. */
export function stoppedAfterTests(): { systems: TestSystem[]; clients: BatchClient[] } {
  const systems: TestSystem[] = [];
  const clients: BatchClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const s of systems) await s.stop();
  });
  return { systems, clients };
}
