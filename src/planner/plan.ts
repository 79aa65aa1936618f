/**
 * gpuplan's answer to "what is the cheapest deployment that really fits":
 * resolve the budget, search, rank, explain the cheaper options that failed,
 * and when nothing fits, say why and what would. Pure: no I/O.
 */
import { VERSION } from '../version.js';
import { resolveBudget } from './budget.js';
import { explainNothingFits } from './explain.js';
import { hardwareOptions, type Hardware } from './hardware.js';
import { runScenario, scenarioOf, type PlanInput } from './scenario.js';
import type { PlanCandidate, PlanResult, Rejected } from './schema.js';
import { suggest } from './suggest.js';

/** Most rejected candidates a result lists when nothing fits (cheapest first). */
const MAX_REJECTED = 60;

/** Cheaper candidates that failed, and same-price ones of better quality: "why not cheaper". */
function whyNotCheaper(rejected: readonly Rejected[], winner: PlanCandidate): Rejected[] {
  return rejected.filter((r) => r.costPerHour < winner.costPerHour - 1e-9 || (Math.abs(r.costPerHour - winner.costPerHour) < 1e-9 && r.qualityRank > winner.qualityRank));
}

function withBudgetNote(c: PlanCandidate, hw: Hardware | undefined): PlanCandidate {
  if (!hw) return c;
  // Under load a price budget keeps copies on one node (GpuAllowance.nodesNamed): say so, for a cheaper spread.
  const oneNode = (c.load?.target ?? 'one-user') === 'one-user' ? '' : ' with copies on one node (a budget that names nodes, e.g. 2x8xh100, may spread them over several)';
  const note =
    hw.maxPerHour !== null
      ? `Costs $${c.costPerHour.toFixed(2)}/h of the $${hw.maxPerHour.toFixed(2)}/h budget: nothing cheaper fits${oneNode}.`
      : c.gpuCount < hw.allowed
        ? `Uses ${c.gpuCount} of the ${hw.allowed} ${c.gpu.name} GPUs the budget allows: fewer cost less and still fit.`
        : null;
  return note ? { ...c, notes: [note, ...c.notes] } : c;
}

export function plan(input: PlanInput): PlanResult {
  const { request, catalog } = input;
  const hardware = hardwareOptions(resolveBudget(input.budget, catalog, input.price), input.price);
  const scenario = scenarioOf(input, hardware);
  const result = runScenario(input, scenario, 1 + Math.max(0, input.alternatives));
  const [best, ...rest] = result.feasible;
  const allowedByGpu = new Map<string, Hardware>();
  for (const hw of hardware) allowedByGpu.set(hw.gpu.id, hw);
  const winner = best ? withBudgetNote(best, allowedByGpu.get(best.gpu.id)) : null;
  const budgetIsPrice = input.budget.every((term) => term.kind === 'price');
  const suggestions = winner ? [] : suggest(input, scenario, budgetIsPrice);
  return {
    gpuplanVersion: VERSION,
    request,
    plan: winner,
    alternatives: rest.slice(0, Math.max(0, input.alternatives)),
    rejected: winner ? whyNotCheaper(result.rejected, winner) : result.rejected.slice(0, MAX_REJECTED),
    suggestions,
    searched: result.configurations,
    modelled: result.fitted,
    whyNothingFits: winner
      ? null
      : explainNothingFits(
          input,
          scenario,
          result,
          suggestions.some((s) => s.kind === 'memory-fraction' || s.kind === 'engine-knobs'),
        ),
  };
}
