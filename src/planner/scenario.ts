/** The search as a function of what a suggestion may change: model, hardware, weights, engine and its knobs. */
import type { Architecture } from '../catalog/architecture.js';
import type { Catalog } from '../catalog/catalog.js';
import { findCatalogModel } from '../catalog/lookup.js';
import { specFromCatalogEntry, type ModelSpec } from '../catalog/model.js';
import type { Gpu } from '../catalog/schema.js';
import { defaultEngines, engineRelease } from '../engines/registry.js';
import type { Engine, EngineId, KvDtype } from '../engines/types.js';
import { ANY_COUNT_MAX_NODES, type Budget, type GpuAllowance } from './budget.js';
import { hardwareOptions, type Hardware } from './hardware.js';
import type { PlanRequest } from './schema.js';
import { DEFAULT_INPUT_LEN, DEFAULT_OUTPUT_LEN } from '../perf/workload.js';
import type { LoadTarget } from './load.js';
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

/** Everything the search reads that a suggestion may change; `scenarioOf` builds it from the request. */
export interface Scenario {
  model: ModelSpec & { architecture: Architecture };
  /** Hardware shapes to try (hardwareOptions of the budget's allowances), cheapest first. */
  hardware: readonly Hardware[];
  /** Only these quantization ids (null: any). */
  quantizations: readonly string[] | null;
  minBits: number;
  /** One engine (at the request's release), or every engine at its default release. */
  engine: 'auto' | EngineId;
  context: number;
  concurrency: number;
  kvDtype: KvDtype;
  memoryFraction: number | null;
  cpuOffload: boolean;
  target: LoadTarget;
}

/** The load a request asks for: --rate or --users with optional --tpot-ms/--ttft-ms; none is one user. */
export function targetOf(request: PlanRequest): LoadTarget {
  const rate = request.rate ?? null;
  const users = request.users ?? null;
  return {
    kind: rate !== null ? 'rate' : users !== null ? 'users' : 'one-user',
    rate,
    users,
    inputLen: request.inputLen ?? DEFAULT_INPUT_LEN,
    outputLen: request.outputLen ?? DEFAULT_OUTPUT_LEN,
    tpotSeconds: request.tpotMs != null ? request.tpotMs / 1e3 : null,
    ttftSeconds: request.ttftMs != null ? request.ttftMs / 1e3 : null,
  };
}

export function scenarioOf(input: PlanInput, hardware: readonly Hardware[]): Scenario {
  const { request } = input;
  return {
    model: input.model,
    hardware,
    quantizations: request.quantizations,
    minBits: request.minBits,
    engine: request.engine,
    context: request.context,
    concurrency: request.concurrency,
    kvDtype: request.kvCacheDtype as KvDtype,
    memoryFraction: request.gpuMemoryUtilization,
    cpuOffload: request.cpuOffload,
    target: targetOf(request),
  };
}

/** The engine releases a scenario searches: the asked-for engine at the asked-for release, or every engine's default. */
export function scenarioEngines(input: PlanInput, s: Scenario): Engine[] {
  if (s.engine === 'auto') return defaultEngines();
  return [engineRelease(s.engine, s.engine === input.request.engine ? input.request.engineVersion : null)];
}

export function runScenario(input: PlanInput, s: Scenario, keep = 1): SearchResult {
  const filter = { quantizations: s.quantizations, minBits: s.minBits };
  const variants = allVariants(s.model, s.model.architecture, input.catalog).filter((v) => passesFilter(v, filter));
  return search({
    keep,
    arch: s.model.architecture,
    hardware: s.hardware,
    variants,
    engines: scenarioEngines(input, s),
    context: Math.min(s.context, s.model.architecture.maxContext),
    concurrency: s.concurrency,
    kvDtype: s.kvDtype,
    memoryFraction: s.memoryFraction,
    cpuOffload: s.cpuOffload,
    target: s.target,
  });
}

/** Up to ANY_COUNT_MAX_NODES full nodes of each of these GPUs: "what if there were more of them". */
export function hardwareOf(gpus: readonly Gpu[], price: (gpu: Gpu) => number): Hardware[] {
  const allowances: GpuAllowance[] = gpus.map((gpu) => ({
    gpu,
    maxGpus: gpu.maxPerNode * ANY_COUNT_MAX_NODES,
    maxNodes: ANY_COUNT_MAX_NODES,
    maxPerHour: null,
    // What a suggestion prints names its nodes (`--budget 2x8xh100`), so copies on each node are in reach.
    nodesNamed: true,
    from: gpu.id,
  }));
  return hardwareOptions(allowances, price);
}

/** Every GPU in the catalog, up to ANY_COUNT_MAX_NODES full nodes: "what if money were no object". */
export function wholeCatalogHardware(catalog: Catalog, price: (gpu: Gpu) => number): Hardware[] {
  return hardwareOf(catalog.gpus, price);
}

export function distillSpecs(catalog: Catalog, model: ModelSpec): Array<ModelSpec & { architecture: Architecture }> {
  return model.distills.map((id) => {
    const entry = findCatalogModel(catalog, id);
    return { ...specFromCatalogEntry(entry), architecture: entry.architecture };
  });
}
