/** gpuplan's library API: the CLI is a thin shell around these. */
export { loadCatalog, BUNDLED_CATALOG_DIR, type Catalog, type CatalogModel } from './catalog/catalog.js';
export { resolveModel, type ModelSpec } from './catalog/model.js';
export { architectureFromConfig, type Architecture } from './catalog/architecture.js';
export type { Gpu, Quantization, Artifact, HfConfig } from './catalog/schema.js';
export { countParams, type ParamCount } from './memory/params.js';
export { kvLayout, kvBytesForSequence, type KvDtype } from './memory/kvcache.js';
export { weightLayout, weightsPerGpu } from './memory/weights.js';
export { estimate, type Estimate, type EstimateInput } from './memory/estimate.js';
export { UserError } from './util/errors.js';
export { VERSION } from './version.js';
export { parseBudget, printBudget, resolveBudget, type Budget } from './planner/budget.js';
export { plan } from './planner/plan.js';
export { hardwareOptions } from './planner/hardware.js';
export { runScenario, type PlanInput } from './planner/scenario.js';
export type { PlanResult, PlanCandidate, PlanRequest } from './planner/schema.js';
export { ENGINES } from './engines/registry.js';
export { estimatePerf } from './perf/roofline.js';
