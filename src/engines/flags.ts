/**
 * The command-line options each engine release accepts, recorded in
 * catalogs/engine-flags/ from the engines' own argument parsers by
 * scripts/engine-facts/ (each file names the commit and source files). Rendering is
 * tested against them; `validate` checks users' flags against them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
// Types only: the files are checked against these schemas when the package is built (scripts/build-catalog.mjs)
// and by test/engines/engine-facts.test.ts, so a plan reads them without building zod's schemas.
import type { FlagSchema, FlagSetSchema, OllamaSpecSchema } from './facts-schema.js';
import type { CliSyntax } from './types.js';

export type Flag = z.infer<typeof FlagSchema>;
export type FlagSet = z.infer<typeof FlagSetSchema>;
export type OllamaSpec = z.infer<typeof OllamaSpecSchema>;

export const FLAG_DIR = fileURLToPath(new URL('../../catalogs/engine-flags/', import.meta.url));

const loaded = new Map<string, unknown>();

function loadJson<T>(name: string): T {
  let value = loaded.get(name) as T | undefined;
  if (value === undefined) {
    value = JSON.parse(readFileSync(join(FLAG_DIR, `${name}.json`), 'utf8')) as T;
    loaded.set(name, value);
  }
  return value;
}

/** A release's recorded argument set, by its file name (`vllm-0.11.0`), read once. */
export function loadFlagSet(name: string): FlagSet {
  return loadJson<FlagSet>(name);
}

export function loadOllamaSpec(name: string): OllamaSpec {
  return loadJson<OllamaSpec>(name);
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
