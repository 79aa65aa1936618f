import { genericCountCheck } from '../memory/params.js';
import { loadCatalog, type Catalog } from '../catalog/catalog.js';
import { findQuantization } from '../catalog/lookup.js';
import { resolveModel } from '../catalog/model.js';
import type { EngineId, KvDtype } from '../engines/ids.js';
import { parseBudget, budgetGpuNames, printBudget } from '../planner/budget.js';
import { plan } from '../planner/plan.js';
import type { PlanCandidate, PlanRequest, PlanResult } from '../planner/schema.js';
import { UserError } from '../util/errors.js';
import { hubSource } from '../util/hub-names.js';
import { DEFAULT_CONTEXT } from './estimate.js';
import { DEFAULT_INPUT_LEN, DEFAULT_OUTPUT_LEN, requestLengths } from '../perf/workload.js';
import { checkEngineChoice } from './engine-options.js';
import { formatPlan } from './plan-format.js';
import type { HubRepoOption } from './options.js';
import { EXIT, type Io } from './main.js';

export interface PlanOptions {
  model: string;
  budget: string;
  engine: 'auto' | EngineId;
  engineVersion?: string;
  context?: number;
  concurrency: number;
  quant?: string;
  minBits: number;
  gpuMemUtil?: number;
  kvDtype: KvDtype;
  cpuOffload?: boolean;
  prices?: string;
  top: number;
  json?: boolean;
  catalog?: string;
  /** hf: models only from the cache (or the catalog). */
  offline?: boolean;
  /** The hub repo a config.json model's weights come from. */
  hfRepo?: HubRepoOption;
  inputLen?: number;
  outputLen?: number;
  rate?: number;
  users?: number;
  tpotMs?: number;
  ttftMs?: number;
  /** Write the deploy files here. */
  out?: string;
  force?: boolean;
}

/** A load-sized context is rounded up to whole pages of this many tokens. */
const CONTEXT_STEP = 256;

function roundUp(n: number, step: number): number {
  return Math.ceil(n / step) * step;
}

export async function planFromOptions(catalog: Catalog, o: PlanOptions): Promise<PlanResult> {
  const budget = parseBudget(o.budget, budgetGpuNames(catalog));
  const engine = o.engine === 'auto' ? undefined : o.engine;
  if (!engine && o.engineVersion !== undefined) throw new UserError(`option --engine-version "${o.engineVersion}" needs --engine (releases differ per engine)`);
  await checkEngineChoice(engine, o.engineVersion, o.kvDtype);
  const model = await resolveModel(catalog, o.model, { offline: o.offline ?? false, weights: o.hfRepo });
  const arch = model.architecture;
  if (!arch) {
    throw new UserError(`model "${o.model}": planning needs the architecture (KV cache, layers); give a catalog id or a config.json, not a parameter count`);
  }
  if (o.context !== undefined && o.context > arch.maxContext) {
    throw new UserError(`option --context "${o.context}": ${model.id} supports at most ${arch.maxContext} tokens (max_position_embeddings)`);
  }
  const quantizations = o.quant ? o.quant.split(',').map((q) => findQuantization(catalog, q.trim()).id) : null;
  const belowFloor = quantizations?.filter((id) => findQuantization(catalog, id).nominalBits < o.minBits) ?? [];
  if (quantizations && belowFloor.length === quantizations.length) {
    throw new UserError(
      `option --quant "${o.quant}": ${belowFloor.join(', ')} ${belowFloor.length > 1 ? 'are' : 'is'} below --min-bits ${o.minBits}; lower --min-bits or choose a quantization of at least ${o.minBits} bits`,
    );
  }
  if (o.rate !== undefined && o.users !== undefined) throw new UserError(`option --users "${o.users}": give one load target, --rate or --users`);
  const loaded = o.rate !== undefined || o.users !== undefined;
  const asked = (o.inputLen ?? DEFAULT_INPUT_LEN) + (o.outputLen ?? DEFAULT_OUTPUT_LEN);
  // Under a load target the server is sized for its requests: max-model-len is their length unless --context says more.
  const context = o.context ?? Math.min(arch.maxContext, loaded ? roundUp(asked, CONTEXT_STEP) : DEFAULT_CONTEXT);
  const lengths = requestLengths(context, o.inputLen, o.outputLen);
  if (!lengths) {
    const [flag, value] = o.inputLen !== undefined ? ['--input-len', o.inputLen] : ['--output-len', o.outputLen];
    throw new UserError(`option ${flag} "${value}": a request of ${asked} tokens is more than the context ${context}; raise --context or shorten it`);
  }
  const { inputLen, outputLen } = lengths;
  const price = o.prices ? await (await import('./prices.js')).loadPrices(o.prices, catalog) : (gpu: { pricePerHour: number }) => gpu.pricePerHour;
  const request: PlanRequest = {
    model: o.model,
    budget: printBudget(budget),
    context,
    concurrency: o.concurrency,
    engine: o.engine,
    engineVersion: o.engineVersion ?? null,
    quantizations,
    minBits: o.minBits,
    gpuMemoryUtilization: o.gpuMemUtil ?? null,
    kvCacheDtype: o.kvDtype,
    cpuOffload: o.cpuOffload ?? false,
    // In the schema's order, so that plan.json reads back byte for byte.
    ...(o.hfRepo ? { hfRepo: hubSource(o.hfRepo.repo, o.hfRepo.revision).slice('hf:'.length) } : {}),
    ...(o.prices !== undefined ? { pricesFile: o.prices } : {}),
    ...(o.offline ? { offline: true } : {}),
    inputLen,
    outputLen,
    rate: o.rate ?? null,
    users: o.users ?? null,
    tpotMs: o.tpotMs ?? null,
    ttftMs: o.ttftMs ?? null,
  };
  const result = plan({ catalog, model: { ...model, architecture: arch }, budget, request, price, alternatives: o.top });
  // How the model was resolved, when it is not what was asked (an hf: repo from the catalog), goes with every plan and PLAN.md.
  // A generic reading's assumptions, checked against the checkpoint's count when the hub gave one, go with it too.
  const check = genericCountCheck(arch, model.publishedParams);
  const note = [model.note, check].filter((n): n is string => n !== undefined && n !== null).join(' ') || undefined;
  if (note === undefined) return result;
  const noted = (c: PlanCandidate): PlanCandidate => ({ ...c, notes: [note, ...c.notes] });
  return { ...result, plan: result.plan && noted(result.plan), alternatives: result.alternatives.map(noted) };
}

export async function runPlan(o: PlanOptions, io: Io): Promise<number> {
  if (o.out !== undefined) (await import('../render/write.js')).checkOutPath(o.out);
  const result = await planFromOptions(await loadCatalog(o.catalog), o);
  // Render before printing: a failure leaves nothing on disk and no plan claiming files exist.
  if (o.out !== undefined && result.plan) {
    const { writePlanFiles } = await import('./render.js');
    writePlanFiles(result, { out: o.out, force: o.force ?? false }, io);
  }
  io.out(o.json ? `${JSON.stringify(result, null, 2)}\n` : formatPlan(result));
  if (o.out !== undefined && !result.plan) io.err(`Nothing fits, so nothing was written to ${o.out}.\n`);
  return result.plan ? EXIT.ok : EXIT.no;
}
