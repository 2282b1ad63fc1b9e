import { fork } from 'node:child_process';
import { once } from 'node:events';
import { packTokens } from '@nightshift/proto';
import { BatchClient } from '../src/index.js';

/**
 * The same upload as the batch row, into a server that only receives it (grpc-floor-server.ts):
 * its CPU seconds a document, best of `runs` (the first warms it).
 */
export async function grpcFloor(seqs: readonly Uint32Array[], runs = 3): Promise<number> {
  const child = fork(new URL('./grpc-floor-server.ts', import.meta.url).pathname, [], { execArgv: ['--conditions=nightshift-source', '--import', 'tsx'] });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const client = new BatchClient(`127.0.0.1:${port}`, 'bench');
    const cpu = async (m: string) => {
      child.send(m);
      return ((await once(child, 'message')) as [{ cpuSeconds: number }])[0].cpuSeconds;
    };
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      await cpu('reset');
      const b = await client.create({ op: 'minhash', idempotencyKey: `floor-${r}` }, seqs.map((s, i) => ({ customId: String(i), tokens: packTokens(s) })), { itemsPerMessage: 1024 });
      if (!b.id.startsWith(`${seqs.length}:`)) throw new Error(`the floor server got ${b.id}`);
      best = Math.min(best, (await cpu('read')) / seqs.length);
    }
    client.close();
    return best;
  } finally {
    child.kill();
  }
}
