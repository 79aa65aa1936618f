/**
 * The search: every hardware shape the budget allows × every variant of the
 * model × every engine × every parallel layout the engine allows. Pure: the
 * catalog, model and budget come in resolved.
 */
import type { Architecture } from '../catalog/architecture.js';
import type { KvDtype } from '../memory/kvcache.js';
import type { Deployment, Engine, EngineFit, ModelVariant } from '../engines/types.js';
import type { PerfEstimate } from '../perf/roofline.js';
import { gib } from '../engines/common.js';
import { candidateLabel, deploymentPerf, toCandidate } from './candidate.js';
import type { Hardware } from './hardware.js';
import type { PlanCandidate, Rejected } from './schema.js';

export interface SearchInput {
  /** How many of the best feasible candidates to return in full. */
  keep: number;
  arch: Architecture;
  hardware: readonly Hardware[];
  variants: readonly ModelVariant[];
  engines: readonly Engine[];
  context: number;
  concurrency: number;
  kvDtype: KvDtype;
  memoryFraction: number | null;
  cpuOffload: boolean;
}

export interface SearchResult {
  /** The best `keep` feasible candidates, best first: one per hardware × variant × engine (its best layout). */
  feasible: PlanCandidate[];
  /** How many feasible candidates there were in all. */
  feasibleCount: number;
  /** One entry per hardware × variant that no engine could run, with the most telling reason. */
  rejected: Rejected[];
  evaluated: number;
}

/** Headroom is compared in steps of this share of capacity, so that speed decides between near-equal ones. */
const HEADROOM_STEP = 0.05;

/** A feasible deployment, with what ranking needs; turned into a PlanCandidate only if it is kept. */
interface Scored {
  engine: Engine;
  engineRank: number;
  hw: Hardware;
  deployment: Deployment;
  fit: EngineFit;
  perf: PerfEstimate;
  headroomSteps: number;
}

/** Ranking (DESIGN.md): cheaper, then more bits of quality, then more headroom, then faster; engine order last. */
function compareScored(a: Scored, b: Scored): number {
  return (
    a.hw.costPerHour - b.hw.costPerHour ||
    b.deployment.variant.quant.qualityRank - a.deployment.variant.quant.qualityRank ||
    b.headroomSteps - a.headroomSteps ||
    b.perf.aggregateTokensPerSecond - a.perf.aggregateTokensPerSecond ||
    a.engineRank - b.engineRank
  );
}

/** Headroom against the physical memory, so engines with different budgets (vLLM's 90%, SGLang's whole GPU) compare fairly. */
function headroomSteps(fit: EngineFit, gpuMemory: number): number {
  return Math.floor((gpuMemory - fit.perGpu.total) / gpuMemory / HEADROOM_STEP);
}

interface Attempt {
  fit: EngineFit | null;
  label: string;
  reason: string;
}

/** Memory failures say most about why a cheaper option failed; "engine cannot run this" says least. */
function mostTelling(attempts: readonly Attempt[]): Attempt | undefined {
  return attempts.find((a) => a.fit !== null) ?? attempts[0];
}

export function search(input: SearchInput): SearchResult {
  const scored: Scored[] = [];
  const rejected: Rejected[] = [];
  let evaluated = 0;
  for (const hw of input.hardware) {
    const totalMemory = hw.count * hw.gpu.memoryBytes;
    for (const variant of input.variants) {
      // Weights alone larger than all the GPUs' memory: no engine or layout can help (offload aside).
      if (!input.cpuOffload && variant.layout.total > totalMemory) {
        rejected.push({
          candidate: candidateLabel(hw, variant.quant.id, 'any', 1, 1),
          costPerHour: Math.round(hw.costPerHour * 1000) / 1000,
          qualityRank: variant.quant.qualityRank,
          reason: `${variant.quant.id} weights alone are ${gib(variant.layout.total)}; ${hw.count} × ${hw.gpu.id} hold ${gib(totalMemory)}`,
        });
        continue;
      }
      const attempts: Attempt[] = [];
      let fitted = false;
      input.engines.forEach((engine, engineRank) => {
        const unsupported = engine.unsupported(variant.quant, hw.gpu, variant) ?? engine.loadUnsupported(variant);
        if (unsupported) {
          attempts.push({ fit: null, label: candidateLabel(hw, variant.quant.id, engine.id, hw.count, 1), reason: unsupported });
          return;
        }
        const layouts = engine.layouts(input.arch, hw.gpu, hw.count, hw.nodes);
        if (typeof layouts === 'string') {
          attempts.push({ fit: null, label: candidateLabel(hw, variant.quant.id, engine.id, hw.count, 1), reason: layouts });
          return;
        }
        let best: Scored | null = null;
        for (const { tp, pp } of layouts) {
          evaluated++;
          const deployment: Deployment = {
            variant,
            gpu: hw.gpu,
            gpuCount: hw.count,
            nodes: hw.nodes,
            tp,
            pp,
            context: input.context,
            concurrency: input.concurrency,
            kvDtype: input.kvDtype,
            memoryFraction: input.memoryFraction,
            cpuOffload: input.cpuOffload,
          };
          const fit = engine.fit(deployment);
          if (!fit.fits) {
            attempts.push({ fit, label: candidateLabel(hw, variant.quant.id, engine.id, tp, pp), reason: fit.reason ?? 'does not fit' });
            continue;
          }
          const perf = deploymentPerf(deployment, fit);
          // Among layouts of one engine on the same GPUs, the fastest that fits (TP before PP).
          if (!best || perf.aggregateTokensPerSecond > best.perf.aggregateTokensPerSecond) {
            best = { engine, engineRank, hw, deployment, fit, perf, headroomSteps: headroomSteps(fit, hw.gpu.memoryBytes) };
          }
        }
        if (best) {
          scored.push(best);
          fitted = true;
        }
      });
      const telling = mostTelling(attempts);
      if (!fitted && telling) {
        rejected.push({
          candidate: telling.label,
          costPerHour: Math.round(hw.costPerHour * 1000) / 1000,
          qualityRank: variant.quant.qualityRank,
          reason: telling.reason,
        });
      }
    }
  }
  scored.sort(compareScored);
  rejected.sort((a, b) => a.costPerHour - b.costPerHour || b.qualityRank - a.qualityRank);
  const feasible = scored.slice(0, input.keep).map((s) => toCandidate(s.engine, s.hw, s.deployment, s.fit, s.perf));
  return { feasible, feasibleCount: scored.length, rejected, evaluated };
}
