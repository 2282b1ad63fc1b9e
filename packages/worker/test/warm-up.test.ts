import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_NAMES } from '@nightshift/proto';
import type { BatchInput, KernelBackend } from '../src/backend/kernel-backend.js';
import { TsBackend } from '../src/backend/ts-backend.js';
import { warmUp } from '../src/backend/warm-up.js';
import { loadNative, NativeBackend } from '../src/native/index.js';

/** A real backend, watched: which ops it ran and how many batches it held at once. */
function watched(backend: KernelBackend) {
  const ops: string[] = [];
  let inFlight = 0;
  let most = 0;
  const w: KernelBackend = {
    name: backend.name,
    kernelThreads: backend.kernelThreads,
    run: async (batch: BatchInput) => {
      ops.push(batch.spec.op);
      most = Math.max(most, ++inFlight);
      try {
        return await backend.run(batch);
      } finally {
        inFlight--;
      }
    },
    close: () => backend.close(),
  };
  return { backend: w, ops, most: () => most };
}

test('warm-up runs every op on the real kernels, one batch per kernel thread at once, before the worker serves', async () => {
  const native = loadNative();
  assert.ok(native.addon, `the addon builds and loads here: ${native.reason}`);
  for (const [backend, threads] of [[new NativeBackend(native.addon, native.addon.init({ threads: 1 })), 4], [new TsBackend(2), 2]] as const) {
    const w = watched(backend);
    try {
      const ms = await warmUp(w.backend);
      assert.ok(ms > 0);
      assert.deepEqual(w.ops, OP_NAMES.flatMap((op) => Array<string>(threads).fill(op)), backend.name);
      assert.equal(w.most(), threads, `${backend.name}: ${threads} batches at once`);
    } finally {
      await w.backend.close();
    }
  }
});
