/** The search as a function of what a suggestion may change (model, budget, bits, context, offload). */
import type { Architecture } from '../catalog/architecture.js';
import type { Catalog } from '../catalog/catalog.js';
import { findCatalogModel } from '../catalog/lookup.js';
import { specFromCatalogEntry, type ModelSpec } from '../catalog/model.js';
import type { Gpu } from '../catalog/schema.js';
import { defaultEngines, engineRelease } from '../engines/registry.js';
import type { KvDtype } from '../memory/kvcache.js';
import { ANY_COUNT_MAX_NODES, type Budget, type GpuAllowance } from './budget.js';
import { hardwareOptions, type Hardware } from './hardware.js';
import type { PlanRequest } from './schema.js';
import { search, type SearchResult } from './search.js';
import { allVariants, passesFilter } from './variants.js';

export interface PlanInput {
  catalog: Catalog;
  model: ModelSpec & { architecture: Architecture };
  budget: Budget;
  request: PlanRequest;
  /** $/hour of one GPU: the catalog's list price unless the user gave their own. */
  price: (gpu: Gpu) => number;
  /** Alternatives to list after the winner. */
  alternatives: number;
}

/** What the search needs that a suggestion may change. */
export interface Scenario {
  model: ModelSpec & { architecture: Architecture };
  /** Hardware shapes to try (hardwareOptions of the budget's allowances), cheapest first. */
  hardware: readonly Hardware[];
  minBits: number;
  context: number;
  cpuOffload: boolean;
}

export function runScenario(input: PlanInput, s: Scenario, keep = 1): SearchResult {
  const { request } = input;
  const engines = request.engine === 'auto' ? defaultEngines() : [engineRelease(request.engine, request.engineVersion)];
  const filter = { quantizations: request.quantizations, minBits: s.minBits };
  const variants = allVariants(s.model, s.model.architecture, input.catalog).filter((v) => passesFilter(v, filter));
  return search({
    keep,
    arch: s.model.architecture,
    hardware: s.hardware,
    variants,
    engines,
    context: Math.min(s.context, s.model.architecture.maxContext),
    concurrency: request.concurrency,
    kvDtype: request.kvCacheDtype as KvDtype,
    memoryFraction: request.gpuMemoryUtilization,
    cpuOffload: s.cpuOffload,
  });
}

/** Every GPU in the catalog, up to ANY_COUNT_MAX_NODES full nodes: "what if money were no object". */
export function wholeCatalogHardware(catalog: Catalog, price: (gpu: Gpu) => number): Hardware[] {
  const allowances: GpuAllowance[] = catalog.gpus.map((gpu) => ({
    gpu,
    maxGpus: gpu.maxPerNode * ANY_COUNT_MAX_NODES,
    maxNodes: ANY_COUNT_MAX_NODES,
    maxPerHour: null,
    from: gpu.id,
  }));
  return hardwareOptions(allowances, price);
}

export function distillSpecs(catalog: Catalog, model: ModelSpec): Array<ModelSpec & { architecture: Architecture }> {
  return model.distills.map((id) => {
    const entry = findCatalogModel(catalog, id);
    return { ...specFromCatalogEntry(entry), architecture: entry.architecture };
  });
}
