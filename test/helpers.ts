import { fileURLToPath } from 'node:url';
import { BUNDLED_CATALOG_DIR, loadCatalog, type Catalog } from '../src/catalog/catalog.js';
import { findCatalogModel, findQuantization } from '../src/catalog/lookup.js';
import { parseParamCount, resolveParamCount, specFromCatalogEntry, type ModelSpec } from '../src/catalog/model.js';
import { estimate, type Estimate, type EstimateInput } from '../src/memory/estimate.js';

/** Loaded from the YAML sources (not the compiled JSON), so tests see catalog edits at once. */
export const catalog: Catalog = await loadCatalog(BUNDLED_CATALOG_DIR);

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A catalog model or a parameter count, resolved synchronously (config files: `await resolveModel`). */
export function model(id: string): ModelSpec {
  const count = parseParamCount(id);
  if (count !== null) return resolveParamCount(id, count);
  return specFromCatalogEntry(findCatalogModel(catalog, id));
}

/** An inference estimate with defaults a test can override. */
type Overrides = Partial<Omit<EstimateInput, 'training'>> & { quant?: string; checkpointing?: boolean; eagerAttention?: boolean };

export function estimateFor(id: string | ModelSpec, overrides: Overrides = {}): Estimate {
  const spec = typeof id === 'string' ? model(id) : id;
  const quantization = findQuantization(catalog, overrides.quant ?? spec.nativeQuantization);
  const artifact = spec.artifacts.find((a) => a.quantization === quantization.id && a.bytes !== null) ?? null;
  const { quant: _quant, checkpointing: _checkpointing, eagerAttention: _eager, ...rest } = overrides;
  return estimate({
    model: spec,
    quantization,
    artifact,
    kvDtype: 'auto',
    context: 4096,
    concurrency: 1,
    tp: 1,
    pp: 1,
    gpu: null,
    mode: 'inference',
    training: {
      zero: 0,
      dataParallel: 1,
      checkpointing: overrides.checkpointing ?? true,
      eagerAttention: overrides.eagerAttention ?? false,
      microBatch: 1,
      loraRank: 16,
      qloraBase: findQuantization(catalog, 'bnb-nf4'),
    },
    ...rest,
  });
}
