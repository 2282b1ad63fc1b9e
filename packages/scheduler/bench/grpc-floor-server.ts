// A BatchService that only receives: CreateBatch decodes every message, as the scheduler's does,
// touches each item and answers. What grpc-js costs a server that takes an upload, and nothing
// else: the floor of the scheduler's CPU a document. Run as a child of grpc-floor.ts.
import * as grpc from '@grpc/grpc-js';
import { loadNightshift, type Batch, type CreateBatchRequest__Output } from '@nightshift/proto';

const server = new grpc.Server();
let cpu0 = process.cpuUsage();
server.addService(loadNightshift().grpcObject.nightshift.v1.BatchService.service, {
  CreateBatch: (call: grpc.ServerReadableStream<CreateBatchRequest__Output, Batch>, done: grpc.sendUnaryData<Batch>) => {
    let items = 0;
    let bytes = 0;
    call.once('data', () => {
      // What the client waits for before it sends items.
      const md = new grpc.Metadata();
      md.set('x-nightshift-items-stored', '0');
      call.sendMetadata(md);
    });
    call.on('data', (m: CreateBatchRequest__Output) => {
      for (const it of m.items?.items ?? []) {
        items++;
        bytes += it.tokens?.byteLength ?? 0;
      }
    });
    call.on('end', () => done(null, { id: `${items}:${bytes}` }));
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.send!({ port });
});
process.on('message', (m: string) => {
  if (m === 'reset') cpu0 = process.cpuUsage();
  const c = process.cpuUsage(cpu0);
  process.send!({ cpuSeconds: (c.user + c.system) / 1e6 });
});
