import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

/** An environment variable and the dotted config path it overrides. */
export type EnvOverrides = Record<string, string>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (next && typeof next === 'object' ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/**
 * Options → defaults → validation: reads a YAML or JSON file (optional),
 * applies the environment overrides on top, and validates the whole with
 * the schema, reporting every problem with its field path at once.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  opts: { file?: string | undefined; env?: NodeJS.ProcessEnv; overrides?: EnvOverrides },
): z.output<S> {
  let raw: Record<string, unknown> = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${opts.file}: ${(err as Error).message}`);
    }
    const parsed: unknown = parseYaml(text); // YAML is a superset of JSON
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${opts.file}: the top level must be a mapping`);
      raw = parsed as Record<string, unknown>;
    }
  }
  const env = opts.env ?? process.env;
  for (const [name, path] of Object.entries(opts.overrides ?? {})) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, value);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration${opts.file ? ` in ${opts.file}` : ''}:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** `--config FILE` from argv, else the named environment variable. */
export function configPathFromArgs(argv: readonly string[], envVar: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const i = argv.indexOf('--config');
  if (i >= 0) {
    const v = argv[i + 1];
    if (!v) throw new ConfigError('--config needs a file path');
    return v;
  }
  return env[envVar] || undefined;
}
