import { createRequire } from 'node:module';
const a = createRequire(process.cwd() + '/')('./native/build/Release/nightshift_kernels.node');
a.init({ threads: 1 });
const len = Number(process.argv[2]), jobs = Number(process.argv[3]);
const tokens = new Uint32Array(len * jobs).map((_, i) => (i * 2654435761) >>> 12);
const offsets = Uint32Array.from({ length: jobs + 1 }, (_, i) => i * len);
let best = 1e9;
for (let r = 0; r < 20; r++) { const t0 = performance.now(); await a.runBatch('minhash', { numPerm: 128, shingle: 5, seed: 1n }, tokens, offsets); best = Math.min(best, performance.now() - t0); }
console.log(len, jobs, (len * jobs / best / 1000).toFixed(2), 'M tok/s', (best * 1e6 / (len * jobs)).toFixed(2), 'ns/token');
