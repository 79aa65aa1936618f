/**
 * The command-line options each engine release accepts, recorded in
 * catalogs/engine-flags/ from the engines' own argument parsers by
 * scripts/engine-facts/ (each file names the commit and source files). Rendering is
 * tested against them; `validate` checks users' flags against them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EngineIdSchema } from '../catalog/schema.js';
import type { CliSyntax } from './types.js';

export const FlagSchema = z.strictObject({
  aliases: z.array(z.string()),
  takesValue: z.boolean(),
  type: z.string().nullable(),
  choices: z.array(z.string()).optional(),
  /** The choices are the documented values of an open registry (vLLM `Literal[…] | str` → argparse metavar): any string is taken. */
  openChoices: z.boolean().optional(),
  /** The default, where the source gives a literal. */
  default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  /** Has a `--no-` form (argparse BooleanOptionalAction). */
  negatable: z.boolean().optional(),
});
export type Flag = z.infer<typeof FlagSchema>;

export const FlagSetSchema = z.strictObject({
  engine: EngineIdSchema,
  version: z.string(),
  command: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  sources: z.array(z.string()),
  derivedBy: z.string(),
  flags: z.record(z.string(), FlagSchema),
});
export type FlagSet = z.infer<typeof FlagSetSchema>;

/** Ollama has no command-line flags to speak of: its settings are Modelfile PARAMETERs and server environment. */
export const OllamaSpecSchema = z.strictObject({
  engine: z.literal('ollama'),
  version: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  sources: z.array(z.string()),
  derivedBy: z.string(),
  instructions: z.array(z.string()),
  parameters: z.record(z.string(), z.string()),
  deprecatedParameters: z.array(z.string()),
  environment: z.record(z.string(), z.string()),
});
export type OllamaSpec = z.infer<typeof OllamaSpecSchema>;

export const FLAG_DIR = fileURLToPath(new URL('../../catalogs/engine-flags/', import.meta.url));

const loaded = new Map<string, unknown>();

function loadJson<T>(name: string, schema: z.ZodType<T>): T {
  let value = loaded.get(name) as T | undefined;
  if (value === undefined) {
    value = schema.parse(JSON.parse(readFileSync(join(FLAG_DIR, `${name}.json`), 'utf8')));
    loaded.set(name, value);
  }
  return value;
}

/** A release's recorded argument set, by its file name (`vllm-0.11.0`), read once. */
export function loadFlagSet(name: string): FlagSet {
  return loadJson(name, FlagSetSchema);
}

export function loadOllamaSpec(name: string): OllamaSpec {
  return loadJson(name, OllamaSpecSchema);
}

/** Every spelling (name or alias) → canonical name, built once per flag set. */
const indexes = new WeakMap<FlagSet, Map<string, string>>();

export function flagIndex(set: FlagSet): Map<string, string> {
  let index = indexes.get(set);
  if (!index) {
    index = new Map();
    for (const [name, flag] of Object.entries(set.flags)) {
      index.set(name, name);
      for (const alias of flag.aliases) if (!index.has(alias)) index.set(alias, name);
    }
    indexes.set(set, index);
  }
  return index;
}

/**
 * The option a spelling names: its canonical name or an alias; parsers with
 * `underscores` also take `_` for `-` (vLLM's FlexibleArgumentParser; argparse dest
 * names) and, with `prefixes` (argparse's allow_abbrev), a unique prefix of a long
 * option (`--tp` → --tp-size).
 * Null when the engine has no such option.
 */
export function findFlag(set: FlagSet, spelling: string, syntax: Pick<CliSyntax, 'underscores' | 'prefixes'>): { name: string; flag: Flag } | null {
  const wanted = syntax.underscores && spelling.startsWith('--') ? `--${spelling.slice(2).replaceAll('_', '-')}` : spelling;
  const index = flagIndex(set);
  const exact = index.get(wanted);
  if (exact) return { name: exact, flag: set.flags[exact] as Flag };
  if (!syntax.prefixes || !wanted.startsWith('--')) return null;
  const prefixed = new Set<string>();
  for (const [spelt, name] of index) if (spelt.startsWith(wanted)) prefixed.add(name);
  if (prefixed.size === 1) {
    const name = prefixed.values().next().value as string;
    return { name, flag: set.flags[name] as Flag };
  }
  if (wanted.startsWith('--no-')) {
    const positive = set.flags[`--${wanted.slice(5)}`];
    if (positive?.negatable) return { name: `--${wanted.slice(5)}`, flag: { ...positive, takesValue: false } };
  }
  return null;
}
