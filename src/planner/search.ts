/**
 * The search: every hardware shape the budget allows × every variant of the
 * model × every engine × every parallel layout the engine allows. Pure: the
 * catalog, model and budget come in resolved.
 */
import type { Architecture } from '../catalog/architecture.js';
import type { KvDtype } from '../memory/kvcache.js';
import type { Engine, EngineFit, ModelVariant } from '../engines/types.js';
import { candidateLabel, toCandidate } from './candidate.js';
import type { Hardware } from './hardware.js';
import type { PlanCandidate, Rejected } from './schema.js';

export interface SearchInput {
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
  /** Feasible candidates, best first: one per hardware × variant × engine (its best layout). */
  feasible: PlanCandidate[];
  /** One entry per hardware × variant that no engine could run, with the most telling reason. */
  rejected: Rejected[];
  evaluated: number;
}

/** Headroom is compared in steps of this share of capacity, so that speed decides between near-equal ones. */
const HEADROOM_STEP = 0.05;

/** Ranking (DESIGN.md): cheaper, then more bits of quality, then more headroom, then faster; engine order last. */
export function compareCandidates(a: PlanCandidate, b: PlanCandidate, engineOrder: readonly string[] = []): number {
  const headroom = (c: PlanCandidate) => Math.floor(c.memory.headroomBytes / c.memory.perGpu.capacity / HEADROOM_STEP);
  return (
    a.costPerHour - b.costPerHour ||
    b.qualityRank - a.qualityRank ||
    headroom(b) - headroom(a) ||
    b.perf.aggregateTokensPerSecond - a.perf.aggregateTokensPerSecond ||
    engineOrder.indexOf(a.engine) - engineOrder.indexOf(b.engine)
  );
}

interface Attempt {
  engine: Engine;
  fit: EngineFit | null;
  label: string;
  reason: string;
}

/** Memory failures say most about why a cheaper option failed; "engine cannot run this" says least. */
function mostTelling(attempts: readonly Attempt[]): Attempt | undefined {
  return attempts.find((a) => a.fit !== null) ?? attempts[0];
}

export function search(input: SearchInput): SearchResult {
  const feasible: PlanCandidate[] = [];
  const rejected: Rejected[] = [];
  const engineOrder = input.engines.map((e) => e.id);
  let evaluated = 0;
  for (const hw of input.hardware) {
    for (const variant of input.variants) {
      const attempts: Attempt[] = [];
      let fitted = false;
      for (const engine of input.engines) {
        const unsupported = engine.unsupported(variant.quant, hw.gpu, variant) ?? engine.loadUnsupported(variant);
        const baseLabel = candidateLabel(hw, variant.quant.id, engine.id, hw.count, 1);
        if (unsupported) {
          attempts.push({ engine, fit: null, label: baseLabel, reason: unsupported });
          continue;
        }
        const layouts = engine.layouts(input.arch, hw.gpu, hw.count, hw.nodes);
        if (typeof layouts === 'string') {
          attempts.push({ engine, fit: null, label: baseLabel, reason: layouts });
          continue;
        }
        let best: PlanCandidate | null = null;
        for (const { tp, pp } of layouts) {
          evaluated++;
          const deployment = {
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
          const label = candidateLabel(hw, variant.quant.id, engine.id, tp, pp);
          if (!fit.fits) {
            attempts.push({ engine, fit, label, reason: fit.reason ?? 'does not fit' });
            continue;
          }
          const candidate = toCandidate(engine, hw, deployment, fit);
          // Among layouts of one engine on the same GPUs, the fastest that fits (TP before PP).
          if (!best || candidate.perf.aggregateTokensPerSecond > best.perf.aggregateTokensPerSecond) best = candidate;
        }
        if (best) {
          feasible.push(best);
          fitted = true;
        }
      }
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
  feasible.sort((a, b) => compareCandidates(a, b, engineOrder));
  rejected.sort((a, b) => a.costPerHour - b.costPerHour || b.qualityRank - a.qualityRank);
  return { feasible, rejected, evaluated };
}
