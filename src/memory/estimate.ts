import type { Architecture } from '../catalog/architecture.js';
import type { ModelSpec } from '../catalog/model.js';
import type { Artifact, Gpu, Quantization } from '../catalog/schema.js';
import { inferenceActivationPeak, trainingActivations } from './activations.js';
import { kvBytesForSequence, kvLayout, type KvDtype, type KvLayout } from './kvcache.js';
import { runtimeOverhead } from './overhead.js';
import { stateLayout, vllmStateDtypes, type StateLayout } from './state.js';
import { countParams, genericCountCheck, type ParamCount } from './params.js';
import { fullFineTuneStates, loraParams, loraStates, type ZeroStage } from './training.js';
import { formatBytes, thousands } from './units.js';
import { FITS, wontStart, type Verdict } from '../engines/verdict.js';
import type { Mode } from './modes.js';
import { weightLayout, weightsPerGpu, type WeightLayout } from './weights.js';

/** Tokens one prefill step processes when the engine is not given: vLLM's default chunked-prefill budget for online serving on large GPUs (vllm/engine/arg_utils.py). */
export const DEFAULT_BATCHED_TOKENS = 8192;

export interface EstimateInput {
  model: ModelSpec;
  quantization: Quantization;
  artifact: Artifact | null;
  kvDtype: KvDtype;
  context: number;
  concurrency: number;
  tp: number;
  pp: number;
  gpu: Gpu | null;
  mode: Mode;
  /** Training only. */
  training: {
    zero: ZeroStage;
    dataParallel: number;
    checkpointing: boolean;
    /** Eager attention keeps the a·s² score matrices; flash/SDPA does not. */
    eagerAttention: boolean;
    microBatch: number;
    loraRank: number;
    /** The 4-bit base format QLoRA stores the frozen weights in. */
    qloraBase: Quantization;
  };
}

export interface Term {
  name: string;
  bytes: number;
  formula: string;
}

export interface PerGpu {
  weights: number;
  kvCache: number;
  activations: number;
  overhead: number;
  total: number;
  capacity: number | null;
}

/** The engine's own accounting of one configuration (docs/ARCHITECTURE.md, "JSON contract"). */
export interface EngineAccounting {
  engine: string;
  name: string;
  version: string;
  /** Bytes the engine gives the KV cache per GPU (vLLM "Available KV cache memory"). */
  availableKvBytes: number;
  /** Tokens of KV cache per GPU (vLLM "GPU KV cache size", SGLang max_total_num_tokens, llama.cpp n_ctx). */
  kvPoolTokens: number;
  /** Requests of the context the pool holds at once (vLLM "Maximum concurrency"). */
  maxConcurrency: number;
  /** The lines the engine will print about memory at start-up, or the error it will raise. */
  logLines: string[];
  verdict: Verdict;
}

/** With --engine and --gpu: speed at a batch and request length (perf/model.ts, the engine's fitted constants). */
export interface EstimatePerf {
  /** Requests in flight in the whole deployment. */
  batch: number;
  ttftSeconds: number;
  tpotSeconds: number;
  perSequenceTokensPerSecond: number;
  /** Output tokens/s of the whole deployment, each request from prompt to last token. */
  outputTokensPerSecond: number;
  bound: string;
  formula: string;
}

export interface Estimate {
  model: string;
  modelName: string;
  origin: string;
  mode: Mode;
  params: number;
  activeParams: number;
  mtpParams: number;
  quantization: string;
  artifact: string | null;
  weightsBytes: number;
  kvBytesPerToken: number | null;
  /**
   * Fixed state per sequence of a hybrid's linear-attention / Mamba layers, whole model (0 without
   * them; null without an architecture). In the engine's dtypes with --engine, else vLLM's.
   */
  stateBytesPerSequence: number | null;
  kvDtype: KvDtype;
  context: number;
  concurrency: number;
  tensorParallel: number;
  pipelineParallel: number;
  gpu: string | null;
  perGpu: PerGpu;
  /** Tokens of KV cache that fit in what is left of the GPU (null without --gpu or architecture). */
  kvCacheTokens: number | null;
  fits: boolean | null;
  /** With --gpu: whether it fits, and with --engine the engine's own verdict (null without a GPU). */
  verdict: Verdict | null;
  /** With --engine and --gpu: what the engine itself allocates and prints (null otherwise). */
  engine: EngineAccounting | null;
  /** With --engine and --gpu: speed at --batch, --input-len and --output-len (null otherwise). */
  perf: EstimatePerf | null;
  terms: Term[];
  notes: string[];
}

function paramsOf(model: ModelSpec): ParamCount {
  if (model.architecture) return countParams(model.architecture);
  const total = model.declaredParams ?? 0;
  return {
    groups: { embeddings: 0, lmHead: 0, attention: 0, mlp: total, sharedExperts: 0, routedExperts: 0, router: 0, norms: 0, vision: 0 },
    total,
    active: total,
    mtp: 0,
    formula: `${thousands(total)} params as given`,
  };
}

function flatWeights(params: ParamCount, quant: Quantization): WeightLayout {
  const total = (params.total * quant.bitsPerWeight) / 8;
  return {
    layers: [total],
    layerExperts: [0],
    embeddings: 0,
    lmHead: 0,
    other: 0,
    total,
    formula: `${thousands(params.total)} params × ${quant.bitsPerWeight} bits / 8`,
    fromArtifact: false,
  };
}

function notesFor(input: EstimateInput, arch: Architecture | null, params: ParamCount, weights: number, kv: KvLayout | null): string[] {
  // A generic reading of an unknown model_type says what it assumed, first.
  const check = arch ? genericCountCheck(arch, input.model.publishedParams) : null;
  const notes: string[] = [...(arch?.assumptions ?? []), ...(check ? [check] : [])];
  const { context, concurrency } = input;
  if (arch?.attention.kind === 'gqa' && kv && kv.attentionLayers > 0 && arch.attention.kvHeads < arch.attention.heads) {
    const a = arch.attention;
    const mha = ((kv.perToken * a.heads) / a.kvHeads) * context * concurrency;
    notes.push(
      `KV uses ${a.kvHeads} KV heads (GQA). Counting all ${a.heads} attention heads, as hidden_size-based calculators do, ` +
        `would give ${formatBytes(mha)} for ${context} tokens × ${concurrency} — ${a.heads / a.kvHeads}× too much.`,
    );
  }
  if (arch?.moe) {
    notes.push(
      `Mixture of experts: all ${arch.moe.routedExperts} routed experts stay resident (${formatBytes(weights)} of weights); ` +
        `only ${(params.active / 1e9).toFixed(1)}B of ${(params.total / 1e9).toFixed(1)}B parameters are computed per token — that lowers compute, not memory.`,
    );
  }
  if (params.mtp > 0) {
    notes.push(
      `The checkpoint also stores a multi-token-prediction module of ${(params.mtp / 1e9).toFixed(2)}B parameters; ` + `engines skip it when serving unless MTP speculative decoding is turned on.`,
    );
  }
  if (input.mode === 'inference' && arch) {
    const kept = trainingActivations(arch, context, concurrency, false);
    notes.push(
      `Inference activations are transient: one forward pass at a time. Training keeps every layer's activations ` +
        `for the backward pass — ${formatBytes(kept.bytes)} here (${kept.formula}) — which is where training-style ` +
        `activation figures for inference come from.`,
    );
  }
  if (input.mode === 'inference' && input.quantization.nominalBits >= 16) {
    const fp16 = params.total * 2;
    notes.push(
      `Flat rules of thumb: params × 2 B × 1.15 = ${formatBytes(fp16 * 1.15)}, ` +
        `× 1.2 = ${formatBytes(fp16 * 1.2)}. Those fold KV cache, activations and runtime into a percentage; the terms above itemise them.`,
    );
  }
  return notes;
}

function inferenceTerms(
  input: EstimateInput,
  arch: Architecture | null,
  layout: WeightLayout,
  kv: KvLayout | null,
  state: StateLayout | null,
): { terms: Term[]; perGpu: Omit<PerGpu, 'total' | 'capacity'> } {
  const { tp, pp, context, concurrency } = input;
  const weights = arch ? weightsPerGpu(layout, tp, pp) : Math.ceil(layout.total / (tp * pp));
  const kvCache = arch && kv ? Math.ceil((kvBytesForSequence(arch, kv, context) + (state?.perSequencePerGpu ?? 0)) * concurrency) : 0;
  const batched = Math.min(context * concurrency, DEFAULT_BATCHED_TOKENS);
  const act = arch ? inferenceActivationPeak(arch, batched, concurrency, tp) : { bytes: 0, formula: 'needs the architecture' };
  const overhead = runtimeOverhead(tp, pp);
  const split = tp * pp > 1 ? ` / TP${tp}×PP${pp} (fullest GPU)` : '';
  const terms: Term[] = [{ name: 'weights', bytes: weights, formula: `${layout.formula}${split}` }];
  if (arch && kv) {
    terms.push({
      name: 'kv cache',
      bytes: kvCache,
      formula:
        `${thousands(kv.perTokenPerGpu)} B/token/GPU × ${context} tokens × ${concurrency} sequences` +
        (arch.slidingWindow ? ` (${arch.slidingWindow.layers} sliding-window layers capped at ${arch.slidingWindow.window})` : '') +
        (state ? ` + ${thousands(state.perSequencePerGpu)} B/sequence/GPU of state: ${state.formula}` : ''),
    });
    terms.push({ name: 'activations', bytes: act.bytes, formula: act.formula });
  }
  terms.push({ name: 'overhead', bytes: overhead.bytes, formula: overhead.formula });
  return { terms, perGpu: { weights, kvCache, activations: act.bytes, overhead: overhead.bytes } };
}

function trainingTerms(input: EstimateInput, arch: Architecture | null, params: ParamCount): Term[] {
  const t = input.training;
  const terms: Term[] = [];
  if (input.mode === 'full') {
    terms.push(...fullFineTuneStates(params.total, t.zero, t.dataParallel));
  } else {
    if (!arch) return terms;
    const baseQuant = input.mode === 'qlora' ? t.qloraBase : input.quantization;
    const base = weightLayout(arch, params, baseQuant, null);
    terms.push({ name: 'frozen base weights', bytes: Math.ceil(base.total), formula: base.formula });
    const trainable = loraParams(arch, t.loraRank);
    terms.push(loraStates(trainable));
  }
  if (arch) {
    const act = trainingActivations(arch, input.context, t.microBatch, t.checkpointing, t.eagerAttention);
    terms.push({ name: 'activations', bytes: act.bytes, formula: act.formula });
  }
  const overhead = runtimeOverhead(1, t.dataParallel);
  terms.push({ name: 'overhead', bytes: overhead.bytes, formula: overhead.formula });
  return terms;
}

/** The memory one configuration needs, term by term, each with its formula. */
export function estimate(input: EstimateInput): Estimate {
  const arch = input.model.architecture;
  const params = paramsOf(input.model);
  const layout = arch ? weightLayout(arch, params, input.quantization, input.artifact) : flatWeights(params, input.quantization);
  const kv = arch ? kvLayout(arch, input.kvDtype, input.tp, input.pp) : null;
  const state = arch ? stateLayout(arch, vllmStateDtypes(arch), input.tp, input.pp) : null;
  const capacity = input.gpu?.memoryBytes ?? null;

  let terms: Term[];
  let perGpu: PerGpu;
  if (input.mode === 'inference') {
    const inf = inferenceTerms(input, arch, layout, kv, state);
    terms = inf.terms;
    const total = terms.reduce((s, t) => s + t.bytes, 0);
    perGpu = { ...inf.perGpu, total, capacity };
  } else {
    terms = trainingTerms(input, arch, params);
    const pick = (name: string) => terms.filter((t) => t.name === name).reduce((s, t) => s + t.bytes, 0);
    const total = terms.reduce((s, t) => s + t.bytes, 0);
    const activations = pick('activations');
    const overhead = pick('overhead');
    perGpu = { weights: total - activations - overhead, kvCache: 0, activations, overhead, total, capacity };
  }

  let kvCacheTokens: number | null = null;
  if (capacity !== null && kv && input.mode === 'inference') {
    const free = capacity - perGpu.weights - perGpu.activations - perGpu.overhead;
    kvCacheTokens = Math.max(0, Math.floor(free / kv.perTokenPerGpu));
  }
  return {
    model: input.model.id,
    modelName: input.model.name,
    origin: input.model.origin,
    mode: input.mode,
    params: params.total,
    activeParams: Math.round(params.active),
    mtpParams: params.mtp,
    quantization: input.quantization.id,
    artifact: input.artifact?.source ?? null,
    weightsBytes: Math.ceil(layout.total),
    kvBytesPerToken: kv ? kv.perToken : null,
    stateBytesPerSequence: arch ? (state?.perSequence ?? 0) : null,
    kvDtype: input.kvDtype,
    context: input.context,
    concurrency: input.concurrency,
    tensorParallel: input.tp,
    pipelineParallel: input.pp,
    gpu: input.gpu?.id ?? null,
    perGpu,
    kvCacheTokens,
    fits: capacity === null ? null : perGpu.total <= capacity,
    verdict: capacity === null ? null : perGpu.total <= capacity ? FITS : wontStart('weights-exceed-memory', `${formatBytes(perGpu.total)} per GPU > ${formatBytes(capacity)} of one ${input.gpu?.id}`),
    engine: null,
    perf: null,
    terms,
    notes: notesFor(input, arch, params, layout.total, kv),
  };
}
