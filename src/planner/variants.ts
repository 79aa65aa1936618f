/**
 * The ways a model's weights can be had: every published artifact, plus the
 * quantizations an engine produces at load time from the 16-bit checkpoint
 * (vLLM/SGLang `--quantization fp8`, bitsandbytes, or `--dtype half` on GPUs
 * without bf16).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { ModelSpec } from '../catalog/model.js';
import type { Architecture } from '../catalog/architecture.js';
import type { Artifact, Quantization } from '../catalog/schema.js';
import { countParams } from '../memory/params.js';
import type { ModelVariant } from '../engines/types.js';
import { defaultEngines } from '../engines/registry.js';
import { modelVariant, sixteenBitCheckpoint } from '../engines/variant.js';

export interface VariantFilter {
  /** Only these quantization ids (null: any). */
  quantizations: readonly string[] | null;
  /** Quality floor in the quantization's nominal bits. */
  minBits: number;
}

/** All variants of a model, before any filter. */
export function allVariants(model: ModelSpec, arch: Architecture, catalog: Catalog): ModelVariant[] {
  const quantById = new Map(catalog.quantizations.map((q) => [q.id, q]));
  const params = countParams(arch);
  const variant = (quant: Quantization, artifact: Artifact, origin: ModelVariant['origin']) => modelVariant(model, arch, params, quant, artifact, origin);
  const variants: ModelVariant[] = [];
  const seen = new Set<string>();
  for (const artifact of model.artifacts) {
    const quant = quantById.get(artifact.quantization);
    const key = `${artifact.quantization} ${artifact.source}`;
    if (!quant || seen.has(key)) continue;
    seen.add(key);
    variants.push(variant(quant, artifact, 'artifact'));
  }
  const base = sixteenBitCheckpoint(model);
  if (base && !model.artifacts.includes(base) && quantById.has(base.quantization)) {
    variants.push(variant(quantById.get(base.quantization) as Quantization, base, 'artifact'));
  }
  if (base) {
    const online = new Set(defaultEngines().flatMap((e) => e.onlineQuantizations));
    for (const id of online) {
      const quant = quantById.get(id);
      if (!quant || id === base.quantization) continue;
      variants.push(variant(quant, base, 'online'));
    }
  }
  return variants;
}

export function passesFilter(v: ModelVariant, filter: VariantFilter): boolean {
  if (filter.quantizations && !filter.quantizations.includes(v.quant.id)) return false;
  return v.quant.nominalBits >= filter.minBits;
}
