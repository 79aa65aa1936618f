import { thousands } from './units.js';
import type { Architecture } from '../catalog/architecture.js';
import { layerBlocks, ownIndexerLayers } from '../catalog/layers.js';
import type { Artifact, ParamGroup, Quantization } from '../catalog/schema.js';
import { attentionParams, gatedMlpParams, indexerParamsPerLayer, linearLayerParams, type ParamCount } from './params.js';

/** Bits a 16-bit-kept group is stored at (bf16/fp16). */
const FULL_PRECISION_BITS = 16;

export interface WeightLayout {
  /** Bytes of each decoder layer, in model order (architecture.ts layerBlocks: its mixer, norms and feed-forward block). */
  layers: number[];
  /** Of each layer's bytes, its routed experts' (0 for dense layers): what expert parallel splits over more GPUs. */
  layerExperts: number[];
  embeddings: number;
  lmHead: number;
  /** Final norm and other replicated odds and ends. */
  other: number;
  total: number;
  /** How `total` was obtained, for the user to check. */
  formula: string;
  /** True when `total` is the published artifact size rather than a formula. */
  fromArtifact: boolean;
}

function bitsFor(group: ParamGroup, quant: Quantization, storedBits: number): number {
  // Quantized multimodal checkpoints leave the vision encoder in 16-bit (llm-compressor and AutoAWQ ignore lists).
  if (group === 'vision') return Math.min(storedBits, FULL_PRECISION_BITS);
  if (quant.keepsFullPrecision.includes(group)) return Math.min(storedBits, FULL_PRECISION_BITS);
  return quant.bitsPerWeight;
}

/** Bytes of `count` parameters of a group under a quantization. */
function groupBytes(count: number, group: ParamGroup, quant: Quantization, storedBits: number): number {
  return (count * bitsFor(group, quant, storedBits)) / 8;
}

/** Formula bytes of the DeepSeek MTP module, to take it out of a checkpoint size that includes it. */
function mtpBytes(arch: Architecture, params: ParamCount, quant: Quantization): number {
  if (params.mtp === 0) return 0;
  const embedAndHead = arch.mtpOwnEmbeddings ? 2 * arch.vocabSize * arch.hiddenSize * arch.mtpLayers : 0;
  return groupBytes(params.mtp - embedAndHead, 'routedExperts', quant, arch.storedBits) + groupBytes(embedAndHead, 'embeddings', quant, arch.storedBits);
}

/**
 * Where the weight bytes sit: per decoder layer, embeddings, lm_head. From the
 * published artifact size when known (scaled over the layout the formula gives),
 * else from params × bits with the groups the quantization keeps at 16-bit.
 */
export function weightLayout(arch: Architecture, params: ParamCount, quant: Quantization, artifact?: Artifact | null): WeightLayout {
  const bits = arch.storedBits;
  const h = arch.hiddenSize;
  const moe = arch.moe;
  const fullAttention = groupBytes(attentionParams(arch, true), 'attention', quant, bits);
  const slidingLayers = new Set(arch.slidingWindow?.indices ?? []);
  const mixer = {
    attention: groupBytes(attentionParams(arch), 'attention', quant, bits),
    linear: groupBytes(linearLayerParams(arch), 'attention', quant, bits),
    none: 0,
  };
  const norms = groupBytes(arch.normsPerLayer * h + arch.layerScalars, 'norms', quant, bits);
  const blocks = layerBlocks(arch);
  const moeLayers = blocks.filter((b) => b.ffn === 'moe').length;
  const ffn = {
    dense: groupBytes(gatedMlpParams(h, arch.denseIntermediateSize, arch.gatedMlp), 'mlp', quant, bits),
    moe:
      moe && moeLayers > 0
        ? groupBytes(params.groups.routedExperts / moeLayers, 'routedExperts', quant, bits) +
          groupBytes(params.groups.sharedExperts / moeLayers, 'sharedExperts', quant, bits) +
          groupBytes(params.groups.router / moeLayers, 'router', quant, bits)
        : 0,
    none: 0,
  };
  const ownIndexer = new Set(ownIndexerLayers(arch));
  const indexer = groupBytes(indexerParamsPerLayer(arch), 'attention', quant, bits);
  // Gemma 4: experts beside the dense MLP, and full-attention layers of their own size.
  const beside = arch.moe?.besideDenseMlp ? ffn.dense : 0;
  const mixerOf = (b: (typeof blocks)[number], i: number) => (b.mixer === 'attention' && !slidingLayers.has(i) ? fullAttention : mixer[b.mixer]);
  const layers = blocks.map((b, i) => mixerOf(b, i) + norms + ffn[b.ffn] + (b.ffn === 'moe' ? beside : 0) + (ownIndexer.has(i) ? indexer : 0));
  const routed = moe && moeLayers > 0 ? groupBytes(params.groups.routedExperts / moeLayers, 'routedExperts', quant, bits) : 0;
  const layerExperts = blocks.map((b) => (b.ffn === 'moe' ? routed : 0));
  const embeddings = groupBytes(params.groups.embeddings, 'embeddings', quant, bits);
  const lmHead = groupBytes(params.groups.lmHead, 'lmHead', quant, bits);
  const other = groupBytes(h, 'norms', quant, bits) + groupBytes(arch.visionParams, 'vision', quant, bits);
  const formulaTotal = layers.reduce((s, b) => s + b, 0) + embeddings + lmHead + other;
  const kept = quant.keepsFullPrecision.length > 0 ? ` (${quant.keepsFullPrecision.join(', ')} at 16-bit)` : '';
  const formula = `${thousands(params.total)} params × ${quant.bitsPerWeight} bits / 8${kept}`;

  if (!artifact?.bytes) {
    return { layers, layerExperts, embeddings, lmHead, other, total: formulaTotal, formula, fromArtifact: false };
  }
  const mtp = artifact.includesMtp ? mtpBytes(arch, params, quant) : 0;
  const served = artifact.bytes * (formulaTotal / (formulaTotal + mtp));
  const scale = served / formulaTotal;
  const mtpNote = mtp > 0 ? ` − MTP layer share ${(artifact.bytes - served).toExponential(3)} B (not loaded for serving)` : '';
  return {
    layers: layers.map((b) => b * scale),
    layerExperts: layerExperts.map((b) => b * scale),
    embeddings: embeddings * scale,
    lmHead: lmHead * scale,
    other: other * scale,
    total: served,
    formula: `published ${artifact.source} = ${thousands(artifact.bytes)} B${mtpNote}`,
    fromArtifact: true,
  };
}

/**
 * Weight bytes on the fullest GPU when the model is split into `pp` pipeline
 * stages of `tp` tensor-parallel ranks: each stage holds its share of layers,
 * the first stage the embeddings and the last the lm_head, each sharded over TP
 * (vocab-parallel).
 */
export function weightsPerGpu(layout: WeightLayout, tp: number, pp: number, expertShards = tp): number {
  return Math.ceil(Math.max(...stageWeights(layout, tp, pp, expertShards)));
}

/**
 * Weight bytes on one GPU of each pipeline stage, first to last (see weightsPerGpu). Routed experts
 * split over `expertShards` GPUs: `tp` alone, or every data-parallel rank's TP group when the ranks
 * share the experts (vLLM DP with a MoE model, SGLang DP attention; expert parallel or not).
 */
export function stageWeights(layout: WeightLayout, tp: number, pp: number, expertShards = tp): number[] {
  const counts = pipelineStageLayers(layout.layers.length, pp);
  const out: number[] = [];
  let start = 0;
  for (let stage = 0; stage < pp; stage++) {
    const end = start + (counts[stage] ?? 0);
    // A plain loop: the planner calls this thousands of times per search.
    let bytes = 0;
    let experts = 0;
    for (let i = start; i < end; i++) {
      bytes += layout.layers[i] ?? 0;
      experts += layout.layerExperts[i] ?? 0;
    }
    start = end;
    if (stage === 0) bytes += layout.embeddings;
    if (stage === pp - 1) bytes += layout.lmHead + layout.other;
    out.push((bytes - experts) / tp + experts / expertShards);
  }
  return out;
}

/**
 * Layers per pipeline stage as vLLM splits them (vllm/distributed/utils.py
 * get_pp_indices): L // pp each, the remainder added to the stages before the
 * last one, from the second-to-last backwards (the last stage holds the lm_head).
 */
export function pipelineStageLayers(layers: number, pp: number): number[] {
  const counts = Array.from({ length: pp }, () => Math.floor(layers / pp));
  const remaining = layers % pp;
  for (let i = 2; i < remaining + 2; i++) counts[pp - i] = (counts[pp - i] ?? 0) + 1;
  return counts;
}
