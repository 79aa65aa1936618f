import { closest, normalizeName } from '../util/closest.js';
import { UserError } from '../util/errors.js';
import { hubRepoOf } from '../util/hub-names.js';
import type { Catalog, CatalogModel } from './catalog.js';
import type { Gpu, Quantization } from './schema.js';

interface Named {
  id: string;
  aliases: string[];
}

function allNames(items: readonly Named[]): string[] {
  return items.flatMap((item) => [item.id, ...item.aliases]);
}

/** Finds an entry by id or alias, ignoring case and separators; undefined when none matches. */
export function findByName<T extends Named>(items: readonly T[], name: string): T | undefined {
  const key = normalizeName(name);
  return items.find((item) => [item.id, ...item.aliases].some((n) => normalizeName(n) === key));
}

/** "unknown GPU "Z100"; closest: a100, h100, ...". */
export function unknownNameError(kind: string, name: string, items: readonly Named[]): UserError {
  const suggestions = closest(name, allNames(items), 4);
  return new UserError(`unknown ${kind} "${name}"; closest: ${suggestions.join(', ')}`);
}

function lookup<T extends Named>(kind: string, items: readonly T[], name: string): T {
  const found = findByName(items, name);
  if (!found) throw unknownNameError(kind, name, items);
  return found;
}

export function findCatalogModel(catalog: Catalog, name: string): CatalogModel {
  return lookup('model', catalog.models, name);
}

/**
 * The hub repos a catalog model names: its `hfRepo`, its aliases that are repos (`org/name`),
 * and the repos its `hf:` artifacts live in. Each belongs to one model (the loader checks).
 */
export function reposOf(model: CatalogModel): string[] {
  const artifactRepos = model.artifacts.map((a) => hubRepoOf(a.source)).filter((r): r is string => r !== null);
  return [model.hfRepo, ...model.aliases.filter((a) => /^[^/]+\/[^/]+$/.test(a)), ...artifactRepos];
}

/**
 * The catalog model of a hub repo, and the repo as the catalog spells it; undefined when the
 * catalog does not know the repo. Hub names are case-insensitive, so the match is too; it is
 * exact otherwise (`findByName` folds separators, and `Qwen2.5-7B` would match `Qwen2-57B`).
 */
export function catalogModelOfRepo(catalog: Catalog, repo: string): { model: CatalogModel; repo: string } | undefined {
  const key = repo.toLowerCase();
  for (const model of catalog.models) {
    const spelled = reposOf(model).find((r) => r.toLowerCase() === key);
    if (spelled !== undefined) return { model, repo: spelled };
  }
  return undefined;
}

export function findGpu(catalog: Catalog, name: string): Gpu {
  return lookup('GPU', catalog.gpus, name);
}

export function findQuantization(catalog: Catalog, name: string): Quantization {
  return lookup('quantization', catalog.quantizations, name);
}

/** GPUs of a family (`a100` → A100-40G and A100-80G), or the one GPU a name denotes. */
export function gpusNamed(catalog: Catalog, name: string): Gpu[] {
  const key = normalizeName(name);
  const family = catalog.gpus.filter((gpu) => normalizeName(gpu.family) === key);
  if (family.length > 0) return family;
  const one = findByName(catalog.gpus, name);
  return one ? [one] : [];
}
