import { MultiBar, Presets, type SingleBar } from 'cli-progress';

type Phase = 'submit' | 'run';

/** How far each pipeline run has come, by op and phase. */
export interface PipelineProgress {
  update(op: string, phase: Phase, done: number, total: number): void;
  stop(): void;
}

const label = (op: string, phase: Phase) => `${op.padEnd(7)} ${phase === 'submit' ? 'uploaded' : 'finished'}`;

/**
 * Bars, redrawn in place on stderr, when both stdout and stderr are terminals. Anywhere else (a pipe, a
 * file, a CI log) redrawing cannot work: cli-progress would print every bar again on each tick, escape
 * codes and all. There the demo writes one plain line to `out` as each phase of each run ends.
 */
export function pipelineProgress(out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout, err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): PipelineProgress {
  if (out.isTTY && err.isTTY) {
    const multi = new MultiBar({ format: '  {name} [{bar}] {value}/{total}', hideCursor: true, stream: err }, Presets.shades_classic);
    const bars = new Map<string, SingleBar>();
    return {
      update(op, phase, done, total) {
        const key = `${op}:${phase}`;
        let bar = bars.get(key);
        if (!bar) bars.set(key, (bar = multi.create(total, 0, { name: label(op, phase) })));
        bar.update(done);
      },
      stop: () => multi.stop(),
    };
  }
  const ended = new Set<string>();
  return {
    update(op, phase, done, total) {
      const key = `${op}:${phase}`;
      if (done < total || ended.has(key)) return;
      ended.add(key);
      out.write(`  ${label(op, phase)} ${done}/${total}\n`);
    },
    stop: () => undefined,
  };
}
