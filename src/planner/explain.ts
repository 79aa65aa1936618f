/**
 * Why nothing fits (docs/ARCHITECTURE.md, "Planner"): which weights the model has, which engines run
 * them on the budget's GPUs, what the options filtered out, and the searched configuration that came
 * nearest, with its numbers. Pure.
 */
import { servesWeights, takesWeights } from '../engines/common.js';
import type { Engine, ModelVariant } from '../engines/types.js';
import { formatGiB } from '../memory/units.js';
import { rejectedLabel, money } from './describe.js';
import { distinctGpus, type Hardware } from './hardware.js';
import { runScenario, scenarioEngines, type PlanInput, type Scenario } from './scenario.js';
import type { NothingFits, Rejected, WeightsOption } from './schema.js';
import type { SearchResult } from './search.js';
import { allVariants, passesFilter } from './variants.js';

/** Weights listed in the text; --json has them all. */
const MAX_WEIGHTS_SHOWN = 8;

/** Engines that load these weights and have kernels for them on at least one of the GPUs (any GPU when there are none). */
function enginesFor(variant: ModelVariant, engines: readonly Engine[], hardware: readonly Hardware[]): Engine[] {
  const gpus = distinctGpus(hardware);
  return engines.filter((e) => (gpus.length === 0 ? servesWeights(e, variant) : gpus.some((gpu) => takesWeights(e, variant, gpu))));
}

function excludedBy(variant: ModelVariant, s: Scenario): WeightsOption['excludedBy'] {
  if (s.quantizations && !s.quantizations.includes(variant.quant.id)) return '--quant';
  return passesFilter(variant, { quantizations: null, minBits: s.minBits }) ? null : '--min-bits';
}

/** Every way to have the weights, with the engines that run each: the searched engines, and the others the user did not pick. */
export function weightsOptions(input: PlanInput, s: Scenario): WeightsOption[] {
  const searched = scenarioEngines(input, s);
  const all = s.engine === 'auto' ? searched : scenarioEngines(input, { ...s, engine: 'auto' }).map((e) => (e.id === s.engine ? (searched[0] ?? e) : e));
  return allVariants(s.model, s.model.architecture, input.catalog).map((v) => ({
    quantization: v.quant.id,
    bits: v.quant.nominalBits,
    origin: v.origin,
    source: v.artifact?.source ?? '',
    format: v.quant.format,
    bytes: Math.ceil(v.layout.total),
    engines: enginesFor(v, all, s.hardware).map((e) => e.id),
    excludedBy: excludedBy(v, s),
  }));
}

function describeOption(w: WeightsOption, engineNames: ReadonlyMap<string, string>): string {
  const runners = w.engines.length > 0 ? w.engines.map((id) => engineNames.get(id) ?? id).join(', ') : 'no engine on these GPUs';
  const how = w.origin === 'online' ? `made at load from ${w.source}` : w.source;
  return `${w.quantization} (${how}, ${formatGiB(w.bytes)}; ${runners})`;
}

/** The searched configuration that lacked the least memory per GPU, relative to the GPU (ties: the cheaper). */
export function nearestMiss(rejected: readonly Rejected[], hardware: readonly Hardware[]): Rejected | null {
  const memoryOf = new Map(hardware.map((h) => [h.gpu.id, h.gpu.memoryBytes]));
  // An engine's own verdict counts everything it needs; "weights larger than the GPUs" counts the
  // weights alone (a lower bound, and no engine may run them there), so it is the nearest only when
  // no engine got that far.
  const modelled = rejected.filter((r) => r.engine !== null);
  let best: Rejected | null = null;
  let bestShare = Number.POSITIVE_INFINITY;
  for (const r of modelled.some((r) => (r.shortfallBytes ?? 0) > 0) ? modelled : rejected) {
    if (r.shortfallBytes === null || r.shortfallBytes === undefined || r.shortfallBytes <= 0) continue;
    const share = r.shortfallBytes / (memoryOf.get(r.gpu) ?? 1);
    if (share < bestShare - 1e-12) {
      best = r;
      bestShare = share;
    }
  }
  return best;
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * When the nearest miss is an engine with a memory fraction: does its ceiling help? Says by how much it
 * still falls short there, so "raise --gpu-mem-util" is answered before anyone tries it.
 */
function ceilingMiss(input: PlanInput, s: Scenario, miss: Rejected): string | null {
  const engine = scenarioEngines(input, s).find((e) => e.id === miss.engine);
  const ceiling = engine?.memoryFractionCeiling?.fraction;
  if (!engine || ceiling === undefined || (s.memoryFraction ?? 0) >= ceiling) return null;
  const same = s.hardware.filter((h) => h.gpu.id === miss.gpu && h.count === miss.gpuCount);
  const atCeiling = runScenario(input, { ...s, hardware: same, engine: engine.id, quantizations: [miss.quantization], memoryFraction: ceiling });
  if (atCeiling.feasible.length > 0) return null;
  const still = nearestMiss(atCeiling.rejected, same);
  return still
    ? `Even with ${Math.round(ceiling * 100)}% of each GPU (--gpu-mem-util ${ceiling}, the most gpuplan suggests for ${engine.name}), ${rejectedLabel(still)} lacks ${formatGiB(still.shortfallBytes ?? 0)} per GPU.`
    : null;
}

export function explainNothingFits(input: PlanInput, s: Scenario, result: SearchResult, fractionHelps = false): NothingFits {
  const { request, catalog } = input;
  const model = s.model;
  const engineNames = new Map(scenarioEngines(input, { ...s, engine: 'auto' }).map((e) => [e.id as string, e.name]));
  const weights = weightsOptions(input, s);
  const reasons: string[] = [];

  if (s.hardware.length === 0) {
    const cheapest = [...catalog.gpus].sort((a, b) => input.price(a) - input.price(b))[0];
    reasons.push(`The budget ${request.budget} buys no GPU${cheapest ? `: the cheapest, ${cheapest.id}, costs ${money(input.price(cheapest))}/h` : ''}.`);
  }

  const searchedWeights = weights.filter((w) => w.excludedBy === null);
  if (searchedWeights.length === 0 && weights.length > 0) {
    const kept = weights.filter((w) => w.engines.length > 0);
    const published = (kept.length > 0 ? kept : weights).map((w) => describeOption(w, engineNames));
    const filter = s.quantizations ? `--quant ${s.quantizations.join(',')}` : `--min-bits ${s.minBits}`;
    const what = s.quantizations ? `no ${s.quantizations.join(' or ')} weights` : `no weights of at least ${s.minBits} bits`;
    reasons.push(`${filter}: ${model.id} has ${what}. It can be had as ${list(published)}.`);
  } else if (weights.length === 0) {
    reasons.push(`${model.id} names no weights: no artifact, Hugging Face repository or local checkpoint.`);
  } else {
    const shown = searchedWeights.map((w) => describeOption(w, engineNames));
    const more = shown.length > MAX_WEIGHTS_SHOWN ? ` and ${shown.length - MAX_WEIGHTS_SHOWN} more (--json lists them)` : '';
    reasons.push(`Weights searched: ${shown.slice(0, MAX_WEIGHTS_SHOWN).join(', ')}${more}.`);
  }

  const engine = s.engine;
  if (engine !== 'auto' && searchedWeights.length > 0 && searchedWeights.every((w) => !w.engines.includes(engine))) {
    const name = engineNames.get(engine) ?? engine;
    const others = searchedWeights.filter((w) => w.engines.length > 0).map((w) => describeOption(w, engineNames));
    reasons.push(`--engine ${engine}: ${name} runs none of the weights searched on these GPUs${others.length > 0 ? `; they run on ${list(others)}` : ''}.`);
  }

  const miss = nearestMiss(result.rejected, s.hardware);
  // Fits, but too slow: the configuration that came closest to the load target says what is missing.
  const slow = result.rejected.filter((r) => r.verdict.status === 'below-target');
  const closest = slow.length > 0 ? slow.reduce((best, r) => (r.gpuCount > best.gpuCount || (r.gpuCount === best.gpuCount && r.costPerHour > best.costPerHour) ? r : best)) : null;
  if (closest) {
    reasons.push(
      `The load target is not met: the largest configuration tried, ${rejectedLabel(closest)} (${money(closest.costPerHour)}/h), ${closest.verdict.message}. More GPUs, a faster GPU, or a looser --tpot-ms/--ttft-ms would.`,
    );
  } else if (miss) {
    const atLeast = miss.engine === null ? 'at least ' : '';
    reasons.push(`Nearest miss: ${rejectedLabel(miss)} (${money(miss.costPerHour)}/h) lacks ${atLeast}${formatGiB(miss.shortfallBytes ?? 0)} per GPU: ${miss.verdict.message}.`);
  } else if (result.rejected.length > 0) {
    // No shortfall to measure (an engine that cannot run the weights, a load-time peak): the distinct reasons given.
    const why = [...new Set(result.rejected.map((r) => r.verdict.message))].slice(0, 3);
    reasons.push(`What stops it: ${why.join('; ')}.`);
  }
  // Said only when no fraction up to the ceiling fits (the suggestions searched them): SGLang's reserve
  // shrinks as the fraction grows, so a smaller fraction can fit where the ceiling does not.
  const ceiling = miss && !fractionHelps ? ceilingMiss(input, s, miss) : null;
  if (ceiling) reasons.push(ceiling);
  if (reasons.length === 0) reasons.push(`${result.configurations} configurations searched; none fits at these settings.`);
  return { reasons, weights, nearestMiss: miss };
}
