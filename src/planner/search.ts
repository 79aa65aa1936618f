/**
 * The search: every hardware shape the budget allows × every variant of the
 * model × every engine × every parallel layout the engine allows. Pure: the
 * catalog, model and budget come in resolved.
 */
import type { Architecture } from '../catalog/architecture.js';
import { gib, runnableLayouts, takesWeights } from '../engines/common.js';
import type { Deployment, Engine, EngineFit, KvDtype, ModelVariant } from '../engines/types.js';
import { belowTarget, cannotRun, fits, type Verdict } from '../engines/verdict.js';
import { toCandidate } from './candidate.js';
import type { Hardware } from './hardware.js';
import { carriesLoad, MAX_UTILIZATION, meetLoad, type LoadResult, type LoadTarget } from './load.js';
import { expertFormatOf, expertFormatScale, graphBatchLimit, peakFlops, perfAfterPrefill, prefillSeconds, type PerfEstimate, type PerfShape, type StepEstimate } from '../perf/model.js';
import { computesInFp8, perfShape, sustainedBatch, type InstanceLayout } from './perf.js';
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
  /** What the deployment must serve: one user (no target), a request rate or a number of users. */
  target: LoadTarget;
}

export interface SearchResult {
  /** The best `keep` feasible candidates, best first: one per hardware × variant × engine (its best layout). */
  feasible: PlanCandidate[];
  /**
   * How many feasible candidates the search found before its bounds stopped it: hardware dearer than the kept
   * candidates, and on one shape variants below `keep` better ones, are not searched.
   */
  feasibleCount: number;
  /** One entry per hardware × variant that no engine could run, with the most telling reason. */
  rejected: Rejected[];
  /** Hardware × weights × engine × layout configurations considered, including those ruled out before an engine's memory model ran. */
  configurations: number;
  /** Of those, how many went through an engine's memory model. */
  fitted: number;
}

/** Headroom is compared in steps of this share of capacity, so that speed decides between near-equal ones. */
const HEADROOM_STEP = 0.05;

/** A feasible deployment, with what ranking needs; turned into a PlanCandidate only if it is kept. */
interface Scored {
  engine: Engine;
  engineRank: number;
  hw: Hardware;
  /** One data-parallel rank's deployment (the engine's fit is per rank). */
  deployment: Deployment;
  fit: EngineFit;
  instance: InstanceOption;
  load: LoadResult;
  /** Why this layout over the others tried on the same GPUs, in words. */
  why: string[];
  headroomSteps: number;
}

/**
 * How `hw.count` GPUs serve: `copies` independent servers (engine data parallel for dense models on
 * vLLM/SGLang, replicas behind a load balancer for llama.cpp/Ollama) of `gpus` GPUs each, every one
 * TP × PP within `dp` ranks that share a MoE model's experts.
 */
export interface InstanceOption {
  tp: number;
  pp: number;
  layout: InstanceLayout;
  /** Instances in all (on every node together). */
  copies: number;
  /** Nodes that each run the same one-node deployment (`copies / nodeReplicas` instances each); 1: the option spans the shape. */
  nodeReplicas: number;
}

/**
 * Ollama runs its own library tag (`ollama run llama3.1:8b`) and Hugging Face GGUFs alike: at
 * equal quality the tag comes first, the name its users know. Without this the choice between
 * a tag and a file of the same quantization would fall to their rounded sizes' headroom and speed.
 */
function nonNativeSource(s: Scored): number {
  const native = s.engine.nativeSource;
  return native !== undefined && !s.deployment.variant.artifact?.source.startsWith(native) ? 1 : 0;
}

/**
 * Ranking (docs/ARCHITECTURE.md, "Planner"): cheaper, then more bits of quality, then an engine's own
 * source (Ollama's tags), then more headroom, then more capacity at the target's latency limits, then a
 * shorter TPOT; engine order last. Every candidate meets the load target, so cost is the cost of meeting it.
 */
function compareScored(a: Scored, b: Scored): number {
  return (
    a.hw.costPerHour - b.hw.costPerHour ||
    b.deployment.variant.quant.qualityRank - a.deployment.variant.quant.qualityRank ||
    nonNativeSource(a) - nonNativeSource(b) ||
    b.headroomSteps - a.headroomSteps ||
    b.load.capacityRequestsPerSecond - a.load.capacityRequestsPerSecond ||
    a.load.perf.tpotSeconds - b.load.perf.tpotSeconds ||
    a.engineRank - b.engineRank
  );
}

/**
 * Room left for more requests, as a share of the GPU, so engines with different budgets
 * compare fairly: what the KV pool holds beyond the requests asked (vLLM, SGLang allocate
 * the whole pool up front), or the memory left free (llama.cpp, Ollama size KV exactly).
 */
function headroomSteps(engine: Engine, fit: EngineFit, gpuMemory: number): number {
  const spare = engine.parallelism === 'tensor' ? fit.availableKvBytes - fit.perGpu.kvCache : gpuMemory - fit.perGpu.total;
  return Math.floor(spare / gpuMemory / HEADROOM_STEP);
}

/** A rejection of one hardware × variant, before it is known whether another engine or layout fits. */
function rejection(hw: Hardware, variant: ModelVariant, engine: Engine | null, layout: { tp: number; pp: number } | null, verdict: Verdict, shortfallBytes: number | null = null): Rejected {
  return {
    gpu: hw.gpu.id,
    gpuCount: hw.count,
    nodes: hw.nodes,
    quantization: variant.quant.id,
    engine: engine?.id ?? null,
    engineVersion: engine?.version ?? null,
    // Engines that split whole layers have no tensor/pipeline degrees to report.
    tensorParallel: engine?.parallelism === 'tensor' ? (layout?.tp ?? null) : null,
    pipelineParallel: engine?.parallelism === 'tensor' ? (layout?.pp ?? null) : null,
    costPerHour: Math.round(hw.costPerHour * 1000) / 1000,
    qualityRank: variant.quant.qualityRank,
    verdict,
    shortfallBytes: shortfallBytes === null ? null : Math.ceil(shortfallBytes),
  };
}

/** Reasons that say the engine never serves these weights at all, whatever the GPUs. */
const NEVER_SERVES: ReadonlySet<string> = new Set(['quantization-unsupported', 'weights-source-unsupported', 'model-unsupported']);

/**
 * A load target missed says most, measured by an engine's speed model before one ruled out by the compute bound
 * alone (`bounded`: an upper bound, looser than any measured miss); then memory verdicts say most about why a
 * cheaper option failed, and the nearest miss (least memory lacking) most of those; "this engine cannot run it"
 * says least.
 */
function mostTelling(attempts: readonly Rejected[], bounded: readonly Rejected[] = []): Rejected | undefined {
  // Fitting but too slow says more than any memory verdict: memory was not the obstacle.
  const slow = attempts.find((a) => a.verdict.status === 'below-target') ?? bounded[0];
  if (slow) return slow;
  const memory = attempts.filter((a) => a.verdict.status !== 'cannot-run');
  // Of "cannot run", an engine that serves these weights and says why not here (its layouts, the model's dtype) over
  // one that never serves them (their format, where they come from) or never loads the model.
  if (memory.length === 0) return attempts.find((a) => !NEVER_SERVES.has(a.verdict.reason)) ?? attempts[0];
  return memory.reduce((best, a) => ((a.shortfallBytes ?? Number.POSITIVE_INFINITY) < (best.shortfallBytes ?? Number.POSITIVE_INFINITY) ? a : best));
}

/** One data-parallel rank's deployment and fit, and its speed-model shape per expert-parallel choice. */
interface RankFit {
  deployment: Deployment;
  fit: EngineFit;
  /** Speed at a batch (remembered: copies of the rank on larger shapes ask the same batches again). */
  perfAt(layout: InstanceLayout, batch: number): PerfEstimate;
  /** The largest batch whose steps replay a CUDA graph (graphBatchLimit). */
  graphBatch(layout: InstanceLayout): number;
}

/**
 * A bound that needs no engine fit: every request computes at least 2 × active parameters × its tokens,
 * and no engine gets more of the GPUs' peak than its best fitted share. When even that cannot carry the
 * rate, the shape is ruled out at once (the search's dominance bound for load targets); null otherwise.
 * Asked first for all engines (the best share of any), then for each engine that can run the weights, with its own share, before its fits.
 */
function beyondCompute(hw: Hardware, variant: ModelVariant, engines: readonly Engine[], target: LoadTarget): string | null {
  if (target.kind !== 'rate' || target.rate === null) return null;
  const gpu = hw.gpu;
  const fp8 = computesInFp8(variant.quant, gpu);
  const format = expertFormatOf(variant.quant.id);
  const bestFlops = Math.max(...engines.map((e) => peakFlops(gpu, fp8, e.perf) * Math.max(e.perf.computeEfficiency, e.perf.moeComputeEfficiency * expertFormatScale(e.perf, format))));
  const flopsPerRequest = 2 * variant.params.active * (target.inputLen + target.outputLen);
  const most = (hw.count * bestFlops) / flopsPerRequest;
  if (most * MAX_UTILIZATION >= target.rate) return null;
  const share = engines.length === 1 ? `${engines[0]?.name}'s share of peak compute` : "the engines' best share of peak compute";
  return `even at ${share}, ${hw.count} × ${gpu.id} complete at most ${most.toFixed(1)} requests/s of ${target.inputLen + target.outputLen} tokens; ${target.rate} requests/s needs ${(target.rate / MAX_UTILIZATION).toFixed(1)} to keep ${MAX_UTILIZATION * 100}% utilisation`;
}

/** GPU counts that divide `count`, smallest first. */
function divisors(count: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= count; k++) if (count % k === 0) out.push(k);
  return out;
}

/**
 * The ways an engine can lay out `hw.count` GPUs. Without a load target, one server on all of them
 * (TP × PP, as before). With one, also copies of smaller servers on one node, for MoE models on
 * vLLM/SGLang data-parallel ranks sharing the experts, with and without expert parallel, and, where the
 * budget names several nodes and the engine renders it (`Engine.scaling.nodeReplicas`), the same one-node
 * layout on every node.
 */
function instanceOptions(engine: Engine, variant: ModelVariant, hw: Hardware, target: LoadTarget): InstanceOption[] | Verdict {
  const whole = runnableLayouts(engine, variant, hw.gpu, hw.count, hw.nodes);
  const single = (l: { tp: number; pp: number }): InstanceOption => ({ tp: l.tp, pp: l.pp, layout: { dp: 1, expertParallel: false }, copies: 1, nodeReplicas: 1 });
  if (target.kind === 'one-user') return Array.isArray(whole) ? whole.map(single) : whole;
  // Every node running the same one-node deployment (its copies or data-parallel ranks), one endpoint over them
  // through Kubernetes: no collective crosses InfiniBand. Only when the budget itself names several nodes.
  const perNode = hw.count / hw.nodes;
  const nodeReplicas: InstanceOption[] = [];
  if (hw.nodes > 1 && hw.nodesNamed && engine.scaling.nodeReplicas) {
    const node = instanceOptions(engine, variant, { ...hw, count: perNode, nodes: 1, nodesNamed: false }, target);
    if (Array.isArray(node)) for (const o of node) nodeReplicas.push({ ...o, copies: o.copies * hw.nodes, nodeReplicas: hw.nodes });
  }
  if (!Array.isArray(whole)) return nodeReplicas.length > 0 ? nodeReplicas : whole;
  // One server across nodes under load: tensor parallel within each node, pipeline stages across them (the
  // engines' multi-node recipe); a deeper pipeline inside a node only trades TP's all-reduces for bubbles.
  const spanning = hw.nodes > 1 && engine.parallelism === 'tensor' ? whole.filter((l) => l.tp === perNode) : whole;
  const options: InstanceOption[] = [];
  const moe = variant.arch.moe !== null;
  const sharedRanks = moe && engine.scaling.dataParallel === 'engine';
  for (const gpus of divisors(hw.count)) {
    const split = hw.count / gpus;
    // Copies and ranks of one deployment stay on one node (across nodes: nodeReplicas above).
    if (split > 1 && (hw.nodes > 1 || engine.scaling.dataParallel === 'none')) continue;
    const layouts = gpus === hw.count ? spanning : engine.layouts(variant.arch, hw.gpu, gpus, 1);
    if (!Array.isArray(layouts)) continue;
    for (const l of layouts) {
      if (!sharedRanks) {
        options.push({ tp: l.tp, pp: l.pp, layout: { dp: 1, expertParallel: false }, copies: split, nodeReplicas: 1 });
        continue;
      }
      // Data-parallel ranks sharing experts run TP groups without pipeline stages (the engines' DP + EP recipes).
      if (split > 1 && l.pp > 1) continue;
      const ranks = split;
      const shards = ranks * l.tp;
      options.push({ tp: l.tp, pp: l.pp, layout: { dp: ranks, expertParallel: false }, copies: 1, nodeReplicas: 1 });
      if (engine.scaling.expertParallel && shards > 1) options.push({ tp: l.tp, pp: l.pp, layout: { dp: ranks, expertParallel: true }, copies: 1, nodeReplicas: 1 });
    }
  }
  return [...options, ...nodeReplicas];
}

/** GGUF servers size their slots up front: under load, the slots one copy needs (users), or the steps tried for a rate. */
const SLOT_STEPS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

function slotChoices(engine: Engine, target: LoadTarget, copies: number, concurrency: number): number[] {
  if (engine.scaling.dataParallel === 'engine' || target.kind === 'one-user') return [concurrency];
  if (target.kind === 'users') return [Math.max(concurrency, Math.ceil((target.users ?? 1) / copies))];
  return SLOT_STEPS.filter((s) => s >= concurrency);
}

/**
 * The slot counts to fit in turn, smallest first: the first that fits memory and carries the load is planned.
 * A GGUF server sizing its slots for a rate has nine to choose from, and fitting each in turn costs a memory fit
 * and a load check per count. Instead: whatever fits at more slots fits at fewer (KV grows with them), so the most
 * that fit are found by bisection; and without CPU offload the speed model's shape does not depend on the slot
 * count, so that fit's speeds show which smaller counts cannot carry the load even optimistically (`carries` gives
 * them that fit's KV pool). The counts returned are then fitted and checked in turn as before.
 */
function slotsToTry(choices: readonly number[], cpuOffload: boolean, fitsMemory: (slots: number) => boolean, carries: (most: number, slots: number) => boolean): readonly number[] {
  if (choices.length < 3 || cpuOffload) return choices;
  const at = (i: number) => choices[i] as number;
  if (!fitsMemory(at(0))) return choices.slice(0, 1);
  let lo = 0;
  let hi = choices.length - 1;
  // Large GPUs hold the most slots: one fit says so.
  if (fitsMemory(at(hi))) lo = hi;
  else hi--;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fitsMemory(at(mid))) lo = mid;
    else hi = mid - 1;
  }
  const first = choices.findIndex((slots, i) => i === lo || carries(at(lo), slots));
  return choices.slice(first, lo + 1);
}

function describeOption(o: InstanceOption, moe: boolean): string {
  const parts = [`TP ${o.tp}`];
  if (o.pp > 1) parts.push(`PP ${o.pp}`);
  if (o.layout.dp > 1) parts.unshift(`DP ${o.layout.dp}`);
  if (moe && o.layout.expertParallel) parts.push('EP');
  const server = parts.join(' × ');
  if (o.nodeReplicas > 1) return `${o.copies} copies of ${server} (${o.copies / o.nodeReplicas} on each of ${o.nodeReplicas} nodes)`;
  return o.copies > 1 ? `${o.copies} copies of ${server}` : server;
}

/** Why the chosen layout beat the others tried on the same GPUs: the best of each other kind, by the same measure. */
function whyThisLayout(best: Scored, tried: readonly { option: InstanceOption; load: LoadResult }[], target: LoadTarget, moe: boolean): string[] {
  if (target.kind === 'one-user' || tried.length < 2) return [];
  const measure = (l: LoadResult) => `${l.capacityRequestsPerSecond.toFixed(1)} requests/s at most`;
  const lines: string[] = [];
  const chosen = best.instance;
  const other = (pick: (o: InstanceOption) => boolean) => tried.filter((t) => pick(t.option)).sort((a, b) => b.load.capacityRequestsPerSecond - a.load.capacityRequestsPerSecond)[0];
  const scaled = chosen.copies > 1 || chosen.layout.dp > 1;
  const alternative = scaled ? other((o) => o.copies === 1 && o.layout.dp === 1) : other((o) => o.copies > 1 || o.layout.dp > 1);
  if (alternative) {
    lines.push(
      `${describeOption(chosen, moe)} (${measure(best.load)}) over ${describeOption(alternative.option, moe)} (${alternative.load.ok ? measure(alternative.load) : alternative.load.message})`,
    );
  }
  if (moe && (chosen.layout.dp > 1 || chosen.tp > 1)) {
    const flip = other((o) => o.tp === chosen.tp && o.pp === chosen.pp && o.layout.dp === chosen.layout.dp && o.layout.expertParallel !== chosen.layout.expertParallel);
    if (flip && Math.abs(flip.load.perf.tpotSeconds - best.load.perf.tpotSeconds) < 1e-6 * best.load.perf.tpotSeconds) {
      lines.push(
        chosen.layout.dp > 1
          ? `expert parallel: not used; with the engine's default all-to-all (all-gather and reduce-scatter: vLLM all2all_backend "allgather_reducescatter") it moves the same tokens as experts sharded over all ${chosen.tp * chosen.layout.dp} GPUs, and no published measurement shows its kernels faster`
          : `expert parallel: makes no difference at ${describeOption(chosen, moe)} (every rank holds every token; the experts are split over ${chosen.tp} GPUs either way), so not used`,
      );
    } else if (flip) {
      const step = (l: LoadResult) => `${(l.perf.tpotSeconds * 1e3).toFixed(1)} ms per token at ${l.batch} requests`;
      lines.push(
        chosen.layout.expertParallel
          ? `expert parallel: chosen; its all-to-all gives ${step(best.load)} vs ${flip.load.ok ? step(flip.load) : flip.load.message} with the experts tensor-sharded`
          : `expert parallel: not chosen; tensor-sharded experts give ${step(best.load)} vs ${flip.load.ok ? step(flip.load) : flip.load.message} with its all-to-all`,
      );
    } else if (!chosen.layout.expertParallel) {
      lines.push('expert parallel: not tried (the engine or layout has no expert-parallel mode here)');
    }
  }
  return lines;
}

export function search(input: SearchInput): SearchResult {
  const scored: Scored[] = [];
  const rejected: Rejected[] = [];
  let configurations = 0;
  let modelled = 0;
  const target = input.target;
  // One rank's fit depends on its own GPUs, not on how many copies the hardware holds: 1, 2 and 4 GPUs of
  // an 8-GPU shape fit as the 1-, 2- and 4-GPU shapes did. Fits and shapes are kept for the whole search.
  const ranks = new Map<string, RankFit>();
  const variantIds = new Map(input.variants.map((v, i) => [v, i]));
  const rankFit = (engine: Engine, engineRank: number, variant: ModelVariant, hw: Hardware, option: InstanceOption, slots: number): RankFit => {
    const key = `${engineRank} ${variantIds.get(variant)} ${hw.gpu.id} ${option.tp} ${option.pp} ${option.layout.dp} ${slots}`;
    const known = ranks.get(key);
    if (known) return known;
    const rankGpus = option.tp * option.pp;
    const deployment: Deployment = {
      variant,
      gpu: hw.gpu,
      gpuCount: rankGpus,
      nodes: Math.ceil(rankGpus / hw.gpu.maxPerNode),
      tp: option.tp,
      pp: option.pp,
      context: input.context,
      concurrency: slots,
      kvDtype: input.kvDtype,
      memoryFraction: input.memoryFraction,
      cpuOffload: input.cpuOffload,
      ...(option.layout.dp > 1 ? { dataParallel: option.layout.dp } : {}),
    };
    const fit = engine.fit(deployment);
    modelled++;
    const speeds = new Map<boolean, { shape: PerfShape; prefill: StepEstimate; at: Map<number, PerfEstimate> }>();
    const speedsOf = (layout: InstanceLayout) => {
      let memo = speeds.get(layout.expertParallel);
      if (!memo) {
        const shape = perfShape(deployment, fit, layout);
        memo = { shape, prefill: prefillSeconds(shape, engine.perf, target.inputLen), at: new Map() };
        speeds.set(layout.expertParallel, memo);
      }
      return memo;
    };
    const made: RankFit = {
      deployment,
      fit,
      perfAt: (layout, batch) => {
        const memo = speedsOf(layout);
        let perf = memo.at.get(batch);
        if (!perf) {
          perf = perfAfterPrefill(memo.shape, engine.perf, { batch, inputLen: target.inputLen, outputLen: target.outputLen }, memo.prefill);
          memo.at.set(batch, perf);
        }
        return perf;
      },
      graphBatch: (layout) => graphBatchLimit(speedsOf(layout).shape),
    };
    ranks.set(key, made);
    return made;
  };
  // Hardware comes cheapest first: once `keep` candidates cost less than a shape, nothing there can rank among them.
  const keptCostBound = (): number => {
    if (scored.length < input.keep) return Number.POSITIVE_INFINITY;
    const costs = scored.map((s) => s.hw.costPerHour).sort((a, b) => a - b);
    return costs[input.keep - 1] ?? Number.POSITIVE_INFINITY;
  };
  // Best quality first: on one hardware shape, a variant ranks below every candidate of better quality found there.
  const variants = [...input.variants].sort((a, b) => b.quant.qualityRank - a.quant.qualityRank);
  // A variant made at load has a published twin where an engine runs a checkpoint that is the same deployment or
  // better: FP16 (`--dtype half`) from a BF16 checkpoint is for GPUs without BF16, and BF16 is the same bytes, speed
  // and quality (the engines refuse FP16 for some models, never prefer it); a quantization made at load (FP8) is
  // matched by a published checkpoint of it that is no larger, without the 16-bit load peak. The made-at-load
  // variant can then never rank above its twin: its plans would only repeat the twin's, as runners-up too.
  const publishedTwin = new Map<ModelVariant, ModelVariant>();
  for (const v of variants) {
    if (v.origin !== 'online') continue;
    const twin =
      v.quant.id === 'fp16'
        ? variants.find((b) => b.quant.id === 'bf16' && b.origin === 'artifact' && b.artifact?.source === v.artifact?.source)
        : variants.find((b) => b.quant.id === v.quant.id && b.origin === 'artifact' && b.layout.total <= v.layout.total);
    if (twin) publishedTwin.set(v, twin);
  }
  /** `keep` candidates already rank above anything `variant` could give on `hw`: cheaper, or as cheap and better. */
  const outranked = (hw: Hardware, variant: ModelVariant): boolean =>
    scored.filter((s) => s.hw.costPerHour < hw.costPerHour - 1e-9 || (s.hw.costPerHour <= hw.costPerHour + 1e-9 && s.deployment.variant.quant.qualityRank > variant.quant.qualityRank)).length >=
    input.keep;
  for (const hw of input.hardware) {
    if (hw.costPerHour > keptCostBound() + 1e-9) break;
    const totalMemory = hw.count * hw.gpu.memoryBytes;
    for (const variant of variants) {
      if (outranked(hw, variant)) break;
      // Weights alone larger than all the GPUs' memory: no engine or layout can help (offload aside).
      if (!input.cpuOffload && variant.layout.total > totalMemory) {
        configurations++;
        const message = `${variant.quant.id} weights alone are ${gib(variant.layout.total)}; ${hw.count} × ${hw.gpu.id} hold ${gib(totalMemory)}`;
        rejected.push(rejection(hw, variant, null, null, cannotRun('weights-exceed-memory', message), (variant.layout.total - totalMemory) / hw.count));
        continue;
      }
      const moe = variant.arch.moe !== null;
      const beyond = beyondCompute(hw, variant, input.engines, target);
      if (beyond) {
        configurations++;
        rejected.push(rejection(hw, variant, null, null, belowTarget(beyond)));
        continue;
      }
      const attempts: Rejected[] = [];
      /** Engines ruled out by the compute bound alone: said only when no engine's own fit says more. */
      const bounded: Rejected[] = [];
      let fitted = false;
      let twinned = false;
      input.engines.forEach((engine, engineRank) => {
        // Every release takes `auto`; asking for the list reads the release's flag set.
        if (input.kvDtype !== 'auto' && !engine.kvDtypes.includes(input.kvDtype)) {
          configurations++;
          const message = `${engine.name} ${engine.version} has no KV cache dtype ${input.kvDtype} (it takes ${engine.kvDtypes.join(', ')})`;
          attempts.push(rejection(hw, variant, engine, null, cannotRun('kv-dtype-unsupported', message)));
          return;
        }
        const twin = publishedTwin.get(variant);
        if (twin && takesWeights(engine, twin, hw.gpu)) {
          twinned = true;
          return;
        }
        const options = instanceOptions(engine, variant, hw, target);
        if (!Array.isArray(options)) {
          configurations++;
          attempts.push(rejection(hw, variant, engine, null, options));
          return;
        }
        // The compute bound with this engine's own share, before its fits (the shape passed the best engine's).
        const slow = input.engines.length > 1 ? beyondCompute(hw, variant, [engine], target) : null;
        if (slow) {
          configurations++;
          bounded.push(rejection(hw, variant, engine, null, belowTarget(slow)));
          return;
        }
        let best: Scored | null = null;
        const tried: { option: InstanceOption; load: LoadResult }[] = [];
        const fitAt = (option: InstanceOption, slots: number): RankFit => rankFit(engine, engineRank, variant, hw, option, slots);
        for (const option of options) {
          const slotCounts = slotsToTry(
            slotChoices(engine, target, option.copies, input.concurrency),
            input.cpuOffload,
            (slots) => fits(fitAt(option, slots).fit.verdict),
            (most, slots) => {
              const rank = fitAt(option, most);
              const sustained = Math.min(slots, sustainedBatch(rank.fit, option.layout, target.inputLen, target.outputLen));
              return carriesLoad((batch) => rank.perfAt(option.layout, batch), sustained, option.copies, target, rank.graphBatch(option.layout));
            },
          );
          for (const slots of slotCounts) {
            configurations++;
            const rank = fitAt(option, slots);
            const { deployment, fit } = rank;
            if (!fits(fit.verdict)) {
              attempts.push(rejection(hw, variant, engine, option, fit.verdict, fit.shortfallBytes));
              break;
            }
            const sustained = sustainedBatch(fit, option.layout, target.inputLen, target.outputLen);
            const load = meetLoad((batch) => rank.perfAt(option.layout, batch), sustained, option.copies, target, rank.graphBatch(option.layout));
            tried.push({ option, load });
            if (!load.ok) {
              attempts.push(rejection(hw, variant, engine, option, belowTarget(load.message)));
              continue;
            }
            const candidate: Scored = { engine, engineRank, hw, deployment, fit, instance: option, load, why: [], headroomSteps: headroomSteps(engine, fit, hw.gpu.memoryBytes) };
            // Among layouts of one engine on the same GPUs: the most capacity at the limits (one user: the shortest TPOT).
            if (!best || betterLayout(candidate, best, target)) best = candidate;
            break;
          }
        }
        if (best) {
          best.why = whyThisLayout(best, tried, target, moe);
          scored.push(best);
          fitted = true;
        }
      });
      const telling = mostTelling(attempts, bounded);
      // A variant left to its published twin is said through the twin's own rejection, not through an engine that cannot run it.
      if (!fitted && telling && !(twinned && telling.verdict.status === 'cannot-run')) rejected.push(telling);
    }
  }
  scored.sort(compareScored);
  rejected.sort((a, b) => a.costPerHour - b.costPerHour || b.qualityRank - a.qualityRank);
  const feasible = scored.slice(0, input.keep).map((s) => toCandidate(s.engine, s.hw, s.deployment, s.fit, s.instance, s.load, target, s.why));
  return { feasible, feasibleCount: scored.length, rejected, configurations, fitted: modelled };
}

/** Capacities within this share of each other are a tie, which fewer pipeline stages win (no stage hand-offs, no bubbles). */
const CAPACITY_TIE = 0.05;

function betterLayout(a: Scored, b: Scored, target: LoadTarget): boolean {
  if (target.kind === 'one-user') return a.load.perf.tpotSeconds < b.load.perf.tpotSeconds;
  const ca = a.load.capacityRequestsPerSecond;
  const cb = b.load.capacityRequestsPerSecond;
  if (Math.abs(ca - cb) <= CAPACITY_TIE * Math.max(ca, cb) && a.instance.pp !== b.instance.pp) return a.instance.pp < b.instance.pp;
  return ca > cb;
}
