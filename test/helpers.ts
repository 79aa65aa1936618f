import { fileURLToPath } from 'node:url';
import { loadCatalog, type Catalog } from '../src/catalog/load.js';
import { findQuantization } from '../src/catalog/lookup.js';
import { resolveModel, type ModelSpec } from '../src/catalog/model.js';
import { estimate, type Estimate, type EstimateInput } from '../src/memory/estimate.js';

export const catalog: Catalog = loadCatalog();

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export function model(id: string): ModelSpec {
  return resolveModel(catalog, id);
}

/** An inference estimate with defaults a test can override. */
type Overrides = Partial<Omit<EstimateInput, 'training'>> & { quant?: string; checkpointing?: boolean };

export function estimateFor(id: string, overrides: Overrides = {}): Estimate {
  const spec = model(id);
  const quantization = findQuantization(catalog, overrides.quant ?? spec.nativeQuantization);
  const artifact = spec.artifacts.find((a) => a.quantization === quantization.id && a.bytes !== null) ?? null;
  const { quant: _quant, checkpointing: _checkpointing, ...rest } = overrides;
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
      microBatch: 1,
      loraRank: 16,
      qloraBase: findQuantization(catalog, 'bnb-nf4'),
    },
    ...rest,
  });
}
