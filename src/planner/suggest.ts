/**
 * What would make an infeasible request fit (docs/ARCHITECTURE.md, "Planner"): a smaller quantization
 * with its quality cost, more or larger GPUs, CPU offload and how slow it is, a
 * shorter context, or a distilled model. Each is a real search, not a guess.
 */
import { quote } from 'shell-quote';
import type { PlanCandidate, PlanRequest, Suggestion } from './schema.js';
import { distillSpecs, runScenario, wholeCatalogHardware, type PlanInput, type Scenario } from './scenario.js';

/** `gpuplan plan …` for the request with some options changed. */
export function planCommand(request: PlanRequest, changes: Partial<PlanRequest>): string {
  const r = { ...request, ...changes };
  const args = ['gpuplan', 'plan', '--model', r.model, '--budget', r.budget];
  if (r.context !== 32768) args.push('--context', String(r.context));
  if (r.concurrency !== 1) args.push('--concurrency', String(r.concurrency));
  if (r.engine !== 'auto') args.push('--engine', r.engine);
  if (r.quantizations) args.push('--quant', r.quantizations.join(','));
  if (r.minBits !== 4) args.push('--min-bits', String(r.minBits));
  if (r.cpuOffload) args.push('--cpu-offload');
  // The weights repo goes with the config.json it was given for, not with another model.
  if (r.hfRepo !== undefined && changes.model === undefined) args.push('--hf-repo', r.hfRepo);
  return quote(args);
}

function summary(c: PlanCandidate): string {
  const where = c.nodes > 1 ? `${c.nodes} nodes × ${c.gpusPerNode}` : `${c.gpuCount}`;
  return `${where} × ${c.gpu.name}, ${c.quantizationName} on ${c.engineName}, $${c.costPerHour.toFixed(2)}/h, ~${c.perf.decodeTokensPerSecond} tokens/s`;
}

function budgetFor(c: PlanCandidate): string {
  return c.nodes > 1 ? `${c.nodes}x${c.gpusPerNode}x${c.gpu.id}` : `${c.gpuCount}x${c.gpu.id}`;
}

function suggestion(kind: Suggestion['kind'], message: string, command: string, c: PlanCandidate): Suggestion {
  return { kind, message, command, costPerHour: c.costPerHour, decodeTokensPerSecond: c.perf.decodeTokensPerSecond };
}

export function suggest(input: PlanInput, scenario: Scenario): Suggestion[] {
  const { request, catalog } = input;
  const out: Suggestion[] = [];

  const lower = runScenario(input, { ...scenario, minBits: 0 }).feasible[0];
  if (lower && lower.bits < scenario.minBits) {
    out.push(
      suggestion(
        'lower-quantization',
        `A ${lower.bits}-bit quantization fits the budget: ${summary(lower)}. Quality rank ${lower.qualityRank}/100 (16-bit = 100): expect noticeably worse answers.`,
        planCommand(request, { minBits: lower.bits }),
        lower,
      ),
    );
  }

  const bigger = runScenario(input, { ...scenario, hardware: wholeCatalogHardware(catalog, input.price) }).feasible[0];
  if (bigger) {
    out.push(suggestion('more-gpus', `More or larger GPUs at ≥ ${scenario.minBits} bits: ${summary(bigger)}.`, planCommand(request, { budget: budgetFor(bigger) }), bigger));
  }

  if (!scenario.cpuOffload) {
    const offload = runScenario(input, { ...scenario, cpuOffload: true, minBits: Math.min(scenario.minBits, lower?.bits ?? scenario.minBits) }).feasible[0];
    if (offload && offload.memory.hostWeightBytes > 0) {
      const ram = (offload.memory.hostRamBytes / 2 ** 30).toFixed(0);
      out.push(
        suggestion(
          'cpu-offload',
          `Keep the layers that do not fit in host RAM: ${summary(offload)}, with ${offload.memory.gpuLayers} layers on GPU and ${ram} GiB of host RAM; decode is bound by RAM bandwidth.`,
          planCommand(request, { cpuOffload: true, minBits: Math.min(request.minBits, offload.bits) }),
          offload,
        ),
      );
    }
  }

  for (const context of [scenario.context / 2, scenario.context / 4, scenario.context / 8]) {
    if (context < 2048 || !Number.isInteger(context)) break;
    const shorter = runScenario(input, { ...scenario, context }).feasible[0];
    if (shorter) {
      out.push(suggestion('shorter-context', `With a ${context}-token context: ${summary(shorter)}.`, planCommand(request, { context }), shorter));
      break;
    }
  }

  for (const distill of distillSpecs(catalog, scenario.model)) {
    const fit = runScenario(input, { ...scenario, model: distill }).feasible[0];
    if (fit) {
      out.push(suggestion('distill', `${distill.name}, distilled from ${scenario.model.name}, fits the budget: ${summary(fit)}.`, planCommand(request, { model: distill.id }), fit));
      break;
    }
  }
  return out;
}
