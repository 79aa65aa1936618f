import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Architecture } from './architecture.js';
import type { Gpu, ModelEntry, Quantization } from './schema.js';

export interface CatalogModel extends ModelEntry {
  architecture: Architecture;
  /** The file the entry came from, for messages. */
  file: string;
}

export interface Catalog {
  gpus: Gpu[];
  quantizations: Quantization[];
  models: CatalogModel[];
}

/** The catalogs shipped with the package (`<package>/catalogs`). */
export const BUNDLED_CATALOG_DIR = fileURLToPath(new URL('../../catalogs/', import.meta.url));

/**
 * The bundled catalogs, validated at build time (scripts/build-catalog.mjs) into one
 * JSON file, so a CLI run parses neither YAML nor zod schemas.
 */
export const COMPILED_CATALOG = fileURLToPath(new URL('../catalog.json', import.meta.url));

function newestYaml(dir: string): number {
  const models = join(dir, 'models');
  const files = [join(dir, 'gpus.yaml'), join(dir, 'quantizations.yaml'), models, ...readdirSync(models).map((f) => join(models, f))];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

function compiledIsFresh(): boolean {
  try {
    return statSync(COMPILED_CATALOG).mtimeMs >= newestYaml(BUNDLED_CATALOG_DIR);
  } catch {
    return false;
  }
}

/**
 * Loads a catalog: the compiled bundled one when it is newer than the YAML it
 * came from, else the YAML, validated with zod (errors name file, entry, field).
 */
export async function loadCatalog(dir?: string): Promise<Catalog> {
  if (dir === undefined && compiledIsFresh()) {
    return JSON.parse(readFileSync(COMPILED_CATALOG, 'utf8')) as Catalog;
  }
  const { loadCatalogFromYaml } = await import('./load.js');
  return loadCatalogFromYaml(dir ?? BUNDLED_CATALOG_DIR);
}
