#!/usr/bin/env node
// Validates catalogs/*.yaml with the zod schemas and writes dist/catalog.json, which
// the CLI reads instead of parsing YAML on every run; checks the engine facts
// (catalogs/engine-flags/, engine-models/), which the CLI reads without zod. Run by `npm run build`.
import { writeFileSync } from 'node:fs';
import { BUNDLED_CATALOG_DIR, COMPILED_CATALOG } from '../dist/catalog/catalog.js';
import { loadCatalogFromYaml } from '../dist/catalog/load.js';
import { engineFactsProblems } from '../dist/engines/facts-schema.js';

try {
  const catalog = loadCatalogFromYaml(BUNDLED_CATALOG_DIR);
  writeFileSync(COMPILED_CATALOG, JSON.stringify(catalog));
  // The engine facts are read without zod at run time (engines/flags.ts, model-support.ts): check them here.
  const problems = engineFactsProblems();
  if (problems.length > 0) throw new Error(`engine facts do not match their schemas:\n${problems.join('\n')}`);
  console.log(`catalog: ${catalog.gpus.length} GPUs, ${catalog.quantizations.length} quantizations, ${catalog.models.length} models → dist/catalog.json`);
} catch (error) {
  console.error(`build-catalog: ${error.message}`);
  process.exit(1);
}
