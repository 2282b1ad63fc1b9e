import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { pipelineProgress } from '../src/demo/progress.js';

test('off a terminal the demo draws no bars: one plain line as each phase of each run ends, on stdout', () => {
  const out = new PassThrough();
  const err = new PassThrough();
  // A terminal on one side only still gets plain lines: bars redrawn there would interleave with a piped report.
  Object.assign(err, { isTTY: true });
  let written = '';
  let errWritten = '';
  out.on('data', (d: Buffer) => (written += d.toString()));
  err.on('data', (d: Buffer) => (errWritten += d.toString()));
  const progress = pipelineProgress(out, err);
  for (const op of ['minhash', 'embed']) {
    for (const done of [0, 5, 10, 10]) progress.update(op, 'submit', done, 10);
    // The watch may report the end before the pipeline's own last call does.
    for (const done of [3, 10, 10]) progress.update(op, 'run', done, 10);
  }
  progress.stop();
  assert.equal(written, ['  minhash uploaded 10/10', '  minhash finished 10/10', '  embed   uploaded 10/10', '  embed   finished 10/10', ''].join('\n'));
  assert.equal(errWritten, '');
});
