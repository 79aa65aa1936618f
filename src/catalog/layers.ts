/**
 * A model's decoder layers as the memory and speed models walk them. Apart from architecture.ts,
 * which reads configs with zod schemas, so that a plan's start-up does not build those schemas.
 */
import type { Architecture } from './architecture.js';

export type LayerMixer = 'attention' | 'linear' | 'none';
export type LayerFfn = 'dense' | 'moe' | 'none';

/** One decoder layer: its token mixer and its feed-forward block. */
export interface LayerBlock {
  mixer: LayerMixer;
  ffn: LayerFfn;
}

const blocksOf = new WeakMap<Architecture, readonly LayerBlock[]>();

/** Each decoder layer's mixer and feed-forward block, in model order (memoised: the planner asks often). */
export function layerBlocks(arch: Architecture): readonly LayerBlock[] {
  const known = blocksOf.get(arch);
  if (known) return known;
  const moeLayers = arch.moe?.moeLayers ?? 0;
  const blocks = Array.from({ length: arch.layers }, (_, i) => ({
    mixer: arch.layerMixers?.[i] ?? 'attention',
    ffn: arch.layerFfns?.[i] ?? (i < arch.layers - moeLayers ? 'dense' : 'moe'),
  }));
  blocksOf.set(arch, blocks);
  return blocks;
}

/** Indices of the layers whose mixer is attention: the layers with a KV cache. */
export function attentionLayerIndices(arch: Architecture): number[] {
  const indices: number[] = [];
  layerBlocks(arch).forEach((b, i) => {
    if (b.mixer === 'attention') indices.push(i);
  });
  return indices;
}

/** Layers that run a sparse-attention indexer of their own: those listed (GLM-5.2's "full" ones), else every attention layer. */
export function ownIndexerLayers(arch: Architecture): readonly number[] {
  if (!arch.indexer) return [];
  return arch.indexer.layers ?? attentionLayerIndices(arch);
}

/** How many layers have a given mixer or feed-forward block. */
export function countLayers(arch: Architecture, test: (block: LayerBlock) => boolean): number {
  let n = 0;
  for (const block of layerBlocks(arch)) if (test(block)) n++;
  return n;
}
