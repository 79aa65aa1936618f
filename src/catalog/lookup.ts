import { closest, normalizeName } from '../util/closest.js';
import { UserError } from '../util/errors.js';
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
