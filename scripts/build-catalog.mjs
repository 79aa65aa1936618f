#!/usr/bin/env node
// Validates catalogs/*.yaml with the zod schemas and writes dist/catalog.json, which
// the CLI reads instead of parsing YAML on every run. Run by `npm run build`.
import { writeFileSync } from 'node:fs';
import { BUNDLED_CATALOG_DIR, COMPILED_CATALOG } from '../dist/catalog/catalog.js';
import { loadCatalogFromYaml } from '../dist/catalog/load.js';

try {
  const catalog = loadCatalogFromYaml(BUNDLED_CATALOG_DIR);
  writeFileSync(COMPILED_CATALOG, JSON.stringify(catalog));
  console.log(`catalog: ${catalog.gpus.length} GPUs, ${catalog.quantizations.length} quantizations, ${catalog.models.length} models → dist/catalog.json`);
} catch (error) {
  console.error(`build-catalog: ${error.message}`);
  process.exit(1);
}
