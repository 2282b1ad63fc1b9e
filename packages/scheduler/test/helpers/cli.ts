import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** The node arguments that run the `nightshift` command from source. */
export const CLI_ARGS = ['--conditions=nightshift-source', '--import', 'tsx', CLI_MAIN];

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `nightshift` command as a user would, as its own process. */
export function nightshift(args: string[], env: Record<string, string> = {}, started?: (child: ChildProcess) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    started?.(child);
  });
}

/** Runs `nightshift ARGS | PIPE` in bash: the command's exit code, and what came out of the pipe's end. */
export function nightshiftPiped(args: string, pipe: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const quoted = [process.execPath, ...CLI_ARGS].map((a) => `'${a}'`).join(' ');
    const child = spawn('bash', ['-c', `${quoted} ${args} | ${pipe}; exit "\${PIPESTATUS[0]}"`], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
